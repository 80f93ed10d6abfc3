"""The evaluation world: a knowledge folder of fresh documents and a labelled mixed question set.

- Knowledge folder (built under the data dir, ingested by the product's own `Ingestor`, so a
  rerun costs nothing): the demo `knowledge/` documents plus the Wikipedia pages of the FreshQA
  questions used.
- Questions, each with the route that should answer it:
  * TV e-manual held-out questions (paraphrases of trained facts, and whole held-out sections)
    → `finetuned` (the demo domain `tv-manual`);
  * FreshQA questions whose Wikipedia page is in the folder (false-premise ones excluded: they
    test premise detection, not retrieval) → `retrieval`;
  * CLINC150 out-of-scope queries → `retrieval`, where the right answer is "not found".
- Every question is assigned to `dev` or `test` by a hash of its text: fit on dev, report on test.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from assistant.eval.data import eval_dir, read_jsonl
from assistant.finetune.data import tv_manual_split
from assistant.settings import Settings

FRESHQA_QUESTIONS = 60
CLINC_QUESTIONS = 120


@dataclass(frozen=True)
class Question:
    text: str
    route: str  # expected: "finetuned" | "retrieval"
    source: str  # "tv-manual" | "freshqa" | "clinc-oos"
    golds: tuple[str, ...] = ()
    page: str | None = None  # FreshQA: the knowledge file holding the answer
    split: str = field(default="")


def _split(text: str) -> str:
    return "dev" if int(hashlib.sha256(text.encode()).hexdigest(), 16) % 2 == 0 else "test"


def _rank(text: str) -> str:
    return hashlib.sha256(("order:" + text).encode()).hexdigest()


def freshqa_page(url: str, pages: set[str]) -> str | None:
    url = url.strip().splitlines()[0].strip() if url.strip() else ""
    if "/wiki/" not in url:
        return None
    tail = url.split("/wiki/", 1)[1]
    for candidate in (tail, tail.split("#:~:")[0], tail.split("#")[0]):
        for form in (candidate, urllib.parse.unquote(candidate)):
            if f"{form}.txt" in pages:
                return f"{form}.txt"
    return None


def questions() -> list[Question]:
    root = eval_dir()
    out: list[Question] = []
    split = tv_manual_split(read_jsonl(root / "tv-manual" / "qa.jsonl"))
    for q in split["test_paraphrased"] + split["test_sections"]:
        out.append(Question(" ".join(q["question"].split()), "finetuned", "tv-manual", (q["answer"].strip(),)))
    pages = {p.name for p in (root / "freshqa" / "wiki_docs").iterdir()}
    fresh = []
    with (root / "freshqa" / "freshqa.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            page = freshqa_page(row["source"], pages)
            if page and row["false_premise"].upper() != "TRUE":
                golds = tuple(row[f"answer_{i}"].strip() for i in range(10) if row.get(f"answer_{i}", "").strip())
                fresh.append(Question(row["question"].strip(), "retrieval", "freshqa", golds, page))
    out += sorted(fresh, key=lambda q: _rank(q.text))[:FRESHQA_QUESTIONS]
    clinc = json.loads((root / "clinc150" / "queries.json").read_text())["oos_test"]
    oos = [Question(text.strip(), "retrieval", "clinc-oos") for text, _ in clinc]
    out += sorted(oos, key=lambda q: _rank(q.text))[:CLINC_QUESTIONS]
    return [Question(q.text, q.route, q.source, q.golds, q.page, _split(q.text)) for q in out]


def eval_settings(base: Settings) -> Settings:
    """The product's settings, pointed at the evaluation's own knowledge folder and index."""
    data = base.data_dir / "eval"
    return base.model_copy(update={"data_dir": data, "knowledge_dir": data / "knowledge"})


def build_knowledge(settings: Settings, items: list[Question], demo_knowledge: Path) -> Path:
    """Copy the demo documents and the needed FreshQA pages into the evaluation's knowledge folder."""
    folder = settings.knowledge_dir
    folder.mkdir(parents=True, exist_ok=True)
    wiki = eval_dir() / "freshqa" / "wiki_docs"
    wanted = {q.page for q in items if q.page}
    for name in wanted:
        target = folder / "wiki" / name
        if not target.exists():
            target.parent.mkdir(exist_ok=True)
            shutil.copyfile(wiki / name, target)
    if demo_knowledge.is_dir():
        for doc in demo_knowledge.iterdir():
            if doc.is_file() and not doc.name.startswith("."):
                shutil.copyfile(doc, folder / doc.name)
    return folder

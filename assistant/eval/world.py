"""The product, pointed at one evaluation folder: settings, services and an ingested index.

Every benchmark answers through `Services.pipeline` — the same object the CLI and the chat use —
so the figures describe the product, not a copy of it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.eval.scenarios import Scenario, build_folder
from assistant.services import Services
from assistant.settings import Settings

# The FreshQA world keeps the location earlier releases used, so its index is reused.
DATA_DIRS = {"demo+wiki": "eval"}


def services_for(base: Settings, folder: str, scenarios: list[Scenario], demo_knowledge: Path,
                 progress: Callable | None = None) -> Services:  # fmt: skip
    """Services over the folder's knowledge (built and ingested incrementally); "yours" = the
    user's own knowledge folder and settings."""
    if folder == "yours":
        services = Services(base)
    else:
        data = base.data_dir / DATA_DIRS.get(folder, f"eval-{folder.replace('+', '-')}")
        settings = base.model_copy(update={"data_dir": data, "knowledge_dir": data / "knowledge"})
        build_folder(folder, settings.knowledge_dir, demo_knowledge, [s for s in scenarios if s.folder == folder])
        services = Services(settings)
    if services.settings.knowledge_dir.is_dir():
        services.ingestor().run(progress)
    return services

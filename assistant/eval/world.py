"""The product, pointed at one evaluation folder: settings, services and an ingested index.

Every benchmark answers through `Services.pipeline` — the same object the CLI and the chat use —
so the figures describe the product, not a copy of it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from assistant.eval.scenarios import Scenario, build_folder
from assistant.services import Services
from assistant.settings import Settings

# The FreshQA world keeps the location earlier releases used, so its index is reused.
DATA_DIRS = {"demo+wiki": "eval"}


def services_for(base: Settings, folder: str, scenarios: list[Scenario], demo_knowledge: Path,
                 progress: Callable | None = None, *, fine_tuned: bool = True) -> Services:  # fmt: skip
    """Services over the folder's knowledge (built and ingested incrementally); "yours" = the
    user's own knowledge folder and settings. `fine_tuned=False`: as if no fine-tuned domain were
    installed (an adapters folder holding only the router's policy)."""
    if folder == "yours":
        services = Services(base)
    else:
        data = base.data_dir / DATA_DIRS.get(folder, f"eval-{folder.replace('+', '-')}")
        settings = base.model_copy(update={"data_dir": data, "knowledge_dir": data / "knowledge"})
        if not fine_tuned:
            settings = settings.model_copy(update={"adapters_dir": _policy_only(base.adapters_dir, data)})
        build_folder(folder, settings.knowledge_dir, demo_knowledge, [s for s in scenarios if s.folder == folder])
        services = Services(settings)
    if services.settings.knowledge_dir.is_dir():
        services.ingestor().run(progress)
    return services


def worlds(base: Settings, scenarios: list[Scenario], demo_knowledge: Path) -> Iterator[tuple[Services, list[Scenario]]]:
    """Each world the scenarios run in (a folder, with or without the fine-tuned domains), its
    services, and the scenarios asked there — one folder built and ingested once for all of them."""
    for folder, fine_tuned in dict.fromkeys((s.folder, s.fine_tuned) for s in scenarios):
        services = services_for(base, folder, scenarios, demo_knowledge, fine_tuned=fine_tuned)
        yield services, [s for s in scenarios if (s.folder, s.fine_tuned) == (folder, fine_tuned)]


def _policy_only(adapters: Path, data: Path) -> Path:
    from assistant.domains import ROUTER_FILE

    target = data / "no-fine-tuned-domain"
    target.mkdir(parents=True, exist_ok=True)
    if (adapters / ROUTER_FILE).exists():
        shutil.copyfile(adapters / ROUTER_FILE, target / ROUTER_FILE)
    return target

"""Evaluation scenarios: a knowledge folder, the fine-tuned domains in adapters/, and labelled questions.

Each scenario is what a different user sees. The router is fitted on all scenarios but one and
reported on the one left out, so a figure never comes from the data it was tuned on:
- `tv_closed_book`: TV e-manual paraphrases of trained facts, manual *not* in the folder → fine-tuned
  (alone, or reading the demo folder's TV release notes and service notice when they match: the
  router's "evidence beats memory" rule; `assistant eval routing` counts each route);
- `tv_unseen_sections` (answers only): TV questions from the 12 sections held out of training,
  closed book — what the fine-tune cannot know; it should not beat the base model there;
- `tv_in_folder`: the same questions with the manual's sections in the folder → answered from it, cited;
- `freshqa`: FreshQA questions whose Wikipedia page is in the folder → retrieval;
- `out_of_scope`: CLINC150 out-of-scope queries → not found, never the fine-tuned model;
- `unseen_manual`: a Galaxy Fit band's manual in the folder, questions written from its sections
  → retrieval citing the right section;
- `other_product`: the same folder, asked what any device's owner asks ("How do I change the
  language?") — questions the TV domain knows too, so the TV fine-tune must stay out of them:
  the band's passages, or not found (dev: the 20 questions the rule was built on; test: 20 after);
- `tv_as_new_manual` (answers only): the TV manual's sections in the folder and *no* fine-tuned domain
  installed — a manual of a few hundred sections that nothing was tuned to, asked E-Manual QA's 286
  real user questions (the domain's training questions, which only the fine-tune ever saw), each
  with its reference answer and section: the shape of a new user's manual, at a size where a few
  questions do not swing the figure;
- `handbook` (answers only): an employee handbook written for the project (not a manual, not
  encyclopedia pages), the TV fine-tune installed as a new user would have it, questions a new
  employee asks — written before any was run (session 15) — with the key phrase that answers each;
- `mixed_formats` (answers only): a software product's help files in four formats — a FAQ as CSV,
  release notes as HTML, plans as plain text, a user guide as PDF — written for the project, the TV
  fine-tune installed, with questions its users ask (written before any was run; session 16);
- `dev_docs` (answers only): a command-line tool's developer docs in Markdown — install, configuration
  (a table of environment variables, TOML in code blocks), CLI reference, troubleshooting, a
  changelog, a FAQ — the TV fine-tune installed, with questions its users ask (written before any
  was run; session 17);
- `pdf_manual` (answers only): an air purifier's user manual as an exported PDF — a running header and
  footer, a contents page, headings set in larger type with no bookmarks, numbered steps, tables — the
  TV fine-tune installed, with questions its owners ask (written before any was run; session 18),
  each scored by the page that answers it;
- `help_centre` (answers only): a video doorbell's help centre saved from the browser, an HTML page per
  article with the site's template around it (navigation, search, cookie banner, breadcrumbs, "Was this
  article helpful?", related articles, a footer with the support line) — the TV fine-tune installed, with
  questions its owners ask (written before any was run; session 19);
- `word_manual` (answers only): an e-bike's owner's guide as a Word file — Title and Heading 1 styles,
  bullets, a table whose first row names its columns and one whose first row is data (neither marked),
  the service hotline in the page footer — the TV fine-tune installed, with questions its owners ask
  (written before any was run; session 19);
- `plain_text` (answers only): a coffee shop's policies, FAQ and a grinder's care guide as plain-text
  files — headings underlined, in capitals or numbered, "Q:"/"A:" pairs — the TV fine-tune installed,
  with questions its customers ask (written before any was run; session 20);
- `spreadsheet` (answers only): a fitness-tracker maker's product table as CSV — a row per model: price,
  battery life, weight, GPS, water resistance — and a FAQ in Markdown, the TV fine-tune installed, with
  questions its customers ask, several of which has the most or the least (session 22);
- `robot_mower` and `council_waste` (answers only): two new users' folders of mixed formats — a robot mower's
  manual (PDF), its maker's service page (Word), an accessories price list (CSV) and firmware notes
  (Markdown); a town council's waste guide (HTML), collection days (CSV), recycling centre (Markdown) and
  bulky-waste prices (text) — the TV fine-tune installed, with questions written before any was run
  (session 26; the session's changes were made from what they showed);
- `medicine_leaflet` and `board_game` (answers only): two more new users' folders — a painkiller's package
  leaflet as a medicines agency's HTML page (numbered sections, "Do not take" lists, a dosing table); a board
  game's rulebook (PDF), its publisher's FAQ (text) and variants (Markdown) — the TV fine-tune installed,
  with questions written before any was run (session 27; the session's changes were made from what they showed);
- `phone_manual` (answers only): 50 real user questions about a Galaxy S10 phone (E-Manual QA's
  sample), each with its reference answer — the manual's text that answers it — and section; the
  folder holds those sections (rebuilt from the reference answers: an easier folder than the whole
  manual) beside the Galaxy Fit band's manual, another product's sections on the same topics
  (notifications, battery, display), the TV fine-tune installed. Scored, like E-Manual QA, by token
  F1 against the reference: written by nobody on the project, never tuned on (session 22);
- `red_team` (answers only): hostile documents in the folder (injections, fake markers, markup),
  questions that lead to them → what the documents want said never appears in an answer.
A user adds a scenario as a folder + JSONL (see `user_scenario`). Folders are built under the data
dir and ingested by the product's own `Ingestor` (incremental, so reruns are cheap).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from assistant.eval.data import eval_dir, read_jsonl
from assistant.finetune.data import tv_manual_split

FRESHQA_QUESTIONS = 60
# The folders written for the project, each documents/ + questions.jsonl (`_written_items`), asked as "demo+<name>".
WRITTEN_FOLDERS = ("handbook", "tasklane", "pipewright", "aerio", "voltride", "porchlight", "brightmill", "ledgerly",
                   "stride", "verdant", "millbrook", "calmora", "harbour")
CLINC_QUESTIONS = 120
GROUNDED = frozenset({"retrieval", "finetuned+retrieval"})
FINETUNED = frozenset({"finetuned", "finetuned+retrieval"})


@dataclass(frozen=True)
class Item:
    question: str
    expected: frozenset[str]  # acceptable routes
    golds: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # knowledge files that answer it (any one cited is right)
    split: str = ""
    forbidden: tuple[str, ...] = ()  # what a hostile document wants said: never in an answer


@dataclass
class Scenario:
    name: str
    description: str
    folder: str  # name of the knowledge folder it runs against (scenarios may share one)
    items: list[Item] = field(default_factory=list)
    routed: bool = True  # False: answers only (no right route to score it against)
    fine_tuned: bool = True  # False: asked with no fine-tuned domain installed (the router.json policy kept)


def split_of(text: str) -> str:
    return "dev" if hashlib.sha256(text.encode()).digest()[0] % 2 == 0 else "test"


def _rank(text: str) -> str:
    return hashlib.sha256(("order:" + text).encode()).hexdigest()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "section"


def section_file(manual: str, section: dict) -> str:
    return f"{manual}/{section['id']}-{_slug(section['title'])}.md"


def freshqa_page(url: str, pages: set[str]) -> str | None:
    """The saved Wikipedia page a FreshQA source URL names, or None."""
    if "/wiki/" not in url:
        return None
    tail = url.split("/wiki/", 1)[1]
    for candidate in (tail, tail.split("#:~:")[0], tail.split("#")[0]):
        for form in (candidate, urllib.parse.unquote(candidate)):
            if f"{form}.txt" in pages:
                return f"{form}.txt"
    return None


def _tv_items(expected: frozenset[str], with_sources: bool, part: str = "test_paraphrased") -> list[Item]:
    root = eval_dir() / "tv-manual"
    split = tv_manual_split(read_jsonl(root / "qa.jsonl"))
    by_title: dict[str, list[str]] = {}
    for s in read_jsonl(root / "sections.jsonl"):
        by_title.setdefault(s["title"].strip().lower(), []).append(section_file("tv-manual", s))
    items = []
    for q in split[part]:
        sources = tuple(by_title.get(q["section_title"].strip().lower(), [])) if with_sources else ()
        split_name = split_of(q["question"]) if part in ("test_paraphrased", "train") else ""  # "": nothing fitted on it
        items.append(Item(" ".join(q["question"].split()), expected, (q["answer"].strip(),), sources, split_name))
    return items


def _freshqa_items() -> list[Item]:
    root = eval_dir() / "freshqa"
    pages = {p.name for p in (root / "wiki_docs").iterdir()}
    items = []
    with (root / "freshqa.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            # A source a line: a question about two people lists both their pages ("Did Benedict XVI and
            # Elizabeth II die in the same year?"), and citing either cites a source (only the first line
            # was read: the Elizabeth II page counted as a wrong citation). The pages saved for the
            # benchmark are each question's first source, so the questions are those whose first is.
            saved = [freshqa_page(url.strip(), pages) for url in row["source"].strip().splitlines() if url.strip()]
            if saved and saved[0] and row["false_premise"].upper() != "TRUE":
                golds = tuple(row[f"answer_{i}"].strip() for i in range(10) if row.get(f"answer_{i}", "").strip())
                q = row["question"].strip()
                items.append(Item(q, frozenset({"retrieval"}), golds, tuple(f"wiki/{p}" for p in dict.fromkeys(saved) if p),
                                  split_of(q)))  # fmt: skip
    return sorted(items, key=lambda i: _rank(i.question))[:FRESHQA_QUESTIONS]


def _clinc_items() -> list[Item]:
    clinc = json.loads((eval_dir() / "clinc150" / "queries.json").read_text())["oos_test"]
    items = [Item(t.strip(), frozenset({"not_found"}), split=split_of(t.strip())) for t, _ in clinc]
    return sorted(items, key=lambda i: _rank(i.question))[:CLINC_QUESTIONS]


def _galaxy_items() -> list[Item]:
    sections = {s["id"]: s for s in read_jsonl(eval_dir() / "galaxy-fit" / "sections.jsonl")}
    return [
        Item(r["question"], frozenset({"retrieval"}), (r["answer"],), (section_file("galaxy-fit", sections[r["section"]]),),
             r["split"])  # fmt: skip
        for r in read_jsonl(eval_dir() / "scenarios" / "galaxy-fit-questions.jsonl")
    ]


def places(source: str, page: int | None) -> tuple[str, ...]:
    """What a passage or citation answers as: its file, and a PDF's page of it ("manual.pdf#page=7").
    A question about one manual's PDF is answered by a page of it: the file alone is always right."""
    return (source, f"{source}#page={page}") if page else (source,)


def _written_items(folder: str) -> list[Item]:
    """A folder written for the project: its answerable questions (the JSONL's others, with no
    source, are for asking by hand), each with the key phrase that answers it, and the file (or
    the PDF's page: `places`) that does."""
    rows = read_jsonl(eval_dir() / folder / "questions.jsonl")
    return [Item(r["question"], GROUNDED, (r["key"],), places(f"{folder}/{r['source']}", r.get("page"))[-1:],
                 split_of(r["question"]))
            for r in rows if r.get("source")]  # fmt: skip


PHONE = "galaxy-s10"  # eval-data/galaxy-s10/questions.csv: E-Manual QA's 50-question sample of the S10 manual


def _phone_rows() -> list[dict]:
    with (eval_dir() / PHONE / "questions.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _phone_text(answer: str) -> str:
    """The sample's answers lost the space between the manual's paragraphs ("settings.From Camera")."""
    return re.sub(r"\s{2,}", " ", re.sub(r"([.:])(?=[A-Z])", r"\1 ", answer.strip())).replace(":.", ":")


def _phone_file(section_path: str) -> str:
    return f"{PHONE}/{_slug(section_path.split('>')[-1])}.md"


def _phone_items() -> list[Item]:
    return [Item(" ".join(r["question"].split()), GROUNDED, (_phone_text(r["answer"]),), (_phone_file(r["section_path"]),),
                 split_of(r["question"])) for r in _phone_rows()]  # fmt: skip


def _write_phone_sections(folder: Path) -> None:
    """One Markdown file per section the sample's answers quote: its title, then the answers' sentences
    (several questions quote the same section: each sentence once), beside the band's manual."""
    sections: dict[str, list[str]] = {}
    for r in _phone_rows():
        sentences = sections.setdefault(r["section_path"], [])
        sentences += [s for s in re.split(r"(?<=[.:])\s+", _phone_text(r["answer"])) if s and s not in sentences]
    for path, sentences in sections.items():
        target = folder / _phone_file(path)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f"# {path.split('>')[-1]}\n\n{' '.join(sentences)}\n", encoding="utf-8")
    _write_manual(folder, "galaxy-fit")


def _other_product_items() -> list[Item]:
    rows = read_jsonl(eval_dir() / "scenarios" / "other-product-questions.jsonl")
    return [Item(r["question"], frozenset({"retrieval", "not_found"}), split=r["split"]) for r in rows]


def builtin_scenarios() -> list[Scenario]:
    return [
        Scenario("tv_closed_book", "TV manual questions, manual not in the folder → fine-tuned (alone, or reading "
                 "the demo's TV notes that match)", "demo+wiki", _tv_items(FINETUNED, with_sources=False)),
        Scenario("tv_unseen_sections", "TV manual questions from sections held out of training, closed book: "
                 "what the fine-tune cannot know (expected ≈ base)", "demo+wiki",
                 _tv_items(frozenset({"finetuned"}), with_sources=False, part="test_sections"), routed=False),
        Scenario("tv_in_folder", "TV manual questions, its sections in the folder → retrieval (or fine-tuned + retrieval)",
                 "demo+tv", _tv_items(GROUNDED, with_sources=True)),
        Scenario("freshqa", "FreshQA with its Wikipedia pages in the folder → retrieval", "demo+wiki", _freshqa_items()),
        Scenario("out_of_scope", "CLINC150 out-of-scope queries → not found", "demo+wiki", _clinc_items()),
        Scenario("unseen_manual", "Galaxy Fit manual (never tuned on) in the folder → retrieval, right section",
                 "demo+galaxy", _galaxy_items()),
        Scenario("other_product", "Any device owner's questions beside the Galaxy Fit manual → its passages or not "
                 "found, never the TV fine-tune", "demo+galaxy", _other_product_items()),
        Scenario("tv_as_new_manual", "TV manual in the folder, no fine-tuned domain: a manual nobody tuned on, "
                 "286 real user questions", "demo+tv",
                 [i for i in _tv_items(frozenset({"retrieval"}), with_sources=True, part="train") if i.sources],
                 routed=False, fine_tuned=False),
        _written("handbook", "handbook", "An employee handbook nobody tuned on, the TV fine-tune installed → retrieval, right "
                 "page, the key phrase"),
        _written("mixed_formats", "tasklane", "A software product's FAQ (CSV), release notes (HTML), plans (text) and user guide "
                 "(PDF), the TV fine-tune installed → retrieval, right file, the key phrase"),
        _written("dev_docs", "pipewright", "A command-line tool's developer docs in Markdown (tables, code blocks, a changelog), "
                 "the TV fine-tune installed → retrieval, right file, the key phrase"),
        _written("pdf_manual", "aerio", "An air purifier's user manual as an exported PDF (running header and footer, a "
                 "contents page, headings in type only, tables), the TV fine-tune installed → retrieval, right page, "
                 "the key phrase"),
        _written("help_centre", "porchlight", "A video doorbell's help centre saved from the browser, an HTML page per article "
                 "(the site's navigation, cookie banner, votes, related links and footer around each), the TV "
                 "fine-tune installed → retrieval, right page, the key phrase"),
        _written("word_manual", "voltride", "An e-bike's owner's guide as a Word file (headings, bullets, tables with no marked "
                 "header row, a page footer), the TV fine-tune installed → retrieval, the key phrase"),
        _written("plain_text", "brightmill", "A coffee shop's policies, FAQ and a grinder's care guide as plain-text files (headings "
                 "underlined, in capitals or numbered; Q:/A: pairs), the TV fine-tune installed → retrieval, right file, "
                 "the key phrase"),
        _written("web_app_help", "ledgerly", "An invoicing web app's help pages in Markdown (front matter, tables of plans and "
                 "roles, a dated price change), the TV fine-tune installed → retrieval, right file, the key phrase"),
        _written("spreadsheet", "stride", "A fitness-tracker maker's product table as CSV (a row per model) and a FAQ, the TV "
                 "fine-tune installed → retrieval, right file, the key phrase (the most, the least, the cheapest)"),
        _written("robot_mower", "verdant", "A robot mower's manual (PDF), its maker's customer-service page (Word), an "
                 "accessories price list (CSV) and firmware notes (Markdown), the TV fine-tune installed → retrieval, right "
                 "file, the key phrase"),
        _written("council_waste", "millbrook", "A town council's household-waste guide (HTML page), collection days (CSV), "
                 "recycling centre (Markdown) and bulky-waste prices (text), the TV fine-tune installed → retrieval, right "
                 "file, the key phrase"),
        _written("medicine_leaflet", "calmora", "A painkiller's package leaflet as a medicines agency's HTML page (numbered "
                 "sections, 'Do not take' lists, a dosing table), the TV fine-tune installed → retrieval, the key phrase"),
        _written("board_game", "harbour", "A board game's rulebook (PDF), its publisher's FAQ (text, Q:/A:) and variants "
                 "(Markdown), the TV fine-tune installed → retrieval, right file, the key phrase"),
        Scenario("phone_manual", "Real user questions about a Galaxy S10 phone, its sections beside the Galaxy Fit "
                 "band's manual, the TV fine-tune installed → retrieval, right section, token F1 against the "
                 "manual's answer", "demo+s10", _phone_items(), routed=False),
        Scenario("red_team", "hostile documents in the folder → never followed, markers only the app's",
                 "demo+redteam", _redteam_items(), routed=False),
    ]  # fmt: skip


def _written(name: str, written: str, description: str) -> Scenario:
    """A scenario over one of `WRITTEN_FOLDERS` beside the demo's documents: answers only, the TV fine-tune installed."""
    return Scenario(name, description, f"demo+{written}", _written_items(written), routed=False)


def _redteam_items() -> list[Item]:
    rows = read_jsonl(eval_dir() / "redteam" / "questions.jsonl")
    return [Item(r["question"], GROUNDED | {"not_found"}, forbidden=tuple(r["forbidden"])) for r in rows]


def _write_manual(folder: Path, manual: str) -> None:
    for s in read_jsonl(eval_dir() / manual / "sections.jsonl"):
        target = folder / section_file(manual, s)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f"# {s['title']}\n\n{s['text']}\n", encoding="utf-8")


def _copy_wiki(folder: Path, scenarios: list[Scenario]) -> None:
    wiki = eval_dir() / "freshqa" / "wiki_docs"
    for s in scenarios:
        for item in s.items:
            for source in item.sources:
                if source.startswith("wiki/") and not (folder / source).exists():
                    (folder / "wiki").mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(wiki / source.removeprefix("wiki/"), folder / source)


def build_folder(name: str, folder: Path, demo_knowledge: Path, scenarios: list[Scenario]) -> Path:
    """Fill a scenario's knowledge folder: the demo documents plus what the scenario needs."""
    folder.mkdir(parents=True, exist_ok=True)
    if demo_knowledge.is_dir():
        for doc in demo_knowledge.iterdir():
            if doc.is_file() and not doc.name.startswith(".") and not (folder / doc.name).exists():
                shutil.copyfile(doc, folder / doc.name)
    builders: dict[str, Callable[[], None]] = {
        "demo+wiki": lambda: _copy_wiki(folder, scenarios),
        "demo+tv": lambda: _write_manual(folder, "tv-manual"),
        "demo+galaxy": lambda: _write_manual(folder, "galaxy-fit"),
        "demo+s10": lambda: _write_phone_sections(folder),
        "demo+redteam": lambda: shutil.copytree(eval_dir() / "redteam" / "docs", folder / "redteam", dirs_exist_ok=True),
        **{f"demo+{written}": partial(_copy_documents, written, folder) for written in WRITTEN_FOLDERS},
    }
    if name in builders:
        builders[name]()
    return folder


def _copy_documents(written: str, folder: Path) -> None:
    """A folder written for the project (`WRITTEN_FOLDERS`): its documents/ beside the demo's."""
    shutil.copytree(eval_dir() / written / "documents", folder / written, dirs_exist_ok=True)


def user_scenario(path: Path, *, name: str | None = None) -> Scenario:
    """A user's labelled questions against their current knowledge folder and domains.

    JSONL lines: {"question": ..., "route": "finetuned"|"retrieval"|"finetuned+retrieval"|"not_found",
    "answer": optional reference, "source": optional knowledge file that answers it}.
    """
    from assistant.errors import BadInput
    from assistant.router import ROUTES

    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            question = r["question"].strip()
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
            raise BadInput(f"{path.name} line {n}: expected a JSON object with a \"question\"", "") from None
        route = r.get("route")
        if route is not None and route not in ROUTES:
            raise BadInput(f"{path.name} line {n}: route must be one of {', '.join(ROUTES)}, not {route!r}", "")
        expected = frozenset({route}) if route else GROUNDED
        golds = (r["answer"],) if r.get("answer") else ()
        sources = (r["source"],) if r.get("source") else ()
        items.append(Item(question, expected, golds, sources, split_of(question)))
    if not items:
        raise BadInput(f"{path.name} has no questions", 'add lines like {"question": "...", "route": "retrieval"}')
    return Scenario(name or path.stem, f"your questions from {path.name}", "yours", items)

"""Does the fused search put the file that answers first? Per scenario and split, per BM25 weighting.

    ./dev bench section_rank [--weights 0.9:0.4 1.5:0.75] [--json]

For every built-in scenario whose questions name the file that answers them (the TV manual as a
new manual, the TV paraphrases with the manual in the folder, the Galaxy Fit manual, FreshQA's
pages, the handbook, the mixed formats, the developer docs, the PDF manual: by page), each question is searched as a turn
searches it — BM25's 50 best and the vectors' 50 best, fused by RRF, the first three passages
kept (the third given up for the vectors' first when RRF ranked it lower) — and scored: *first* = the first passage is from a file that answers, *top 3* = one of the
three is, *reference* = the reference answer stands in one of the three passages (FreshQA's short
answers).
Every weighting (`k1:b`) searches the same folders with the same query vectors, so rows differ only
in BM25. This is how session 14 chose k1 = 0.9, b = 0.4 (on the dev split; the test split
confirmed it). Folders are built and indexed under `.crossroads/eval*` the first time (minutes), as
`assistant eval answers` does.
"""

from __future__ import annotations

from assistant import measures
from assistant.eval.data import demo_knowledge_dir
from assistant.eval.scenarios import builtin_scenarios, places
from assistant.eval.world import services_for
from assistant.index.bm25 import K1, B, BM25Scorer
from assistant.index.tokenize import tokenize
from assistant.metrics import contains_gold
from assistant.settings import Settings
from benchmarks import report as report_cli

SCENARIOS = ("tv_as_new_manual", "tv_in_folder", "unseen_manual", "freshqa", "handbook", "mixed_formats", "dev_docs",
             "pdf_manual", "help_centre", "word_manual", "plain_text", "web_app_help")
PASSAGES = 3


def measure(weights: list[tuple[float, float]]) -> dict:
    scenarios = builtin_scenarios()
    out: dict = {}
    for scenario in (s for s in scenarios if s.name in SCENARIOS):
        services = services_for(Settings(), scenario.folder, scenarios, demo_knowledge_dir(),
                                fine_tuned=scenario.fine_tuned)  # fmt: skip
        snapshot, searcher = services.store.snapshot(), services.searcher
        items = [i for i in scenario.items if i.sources]
        queries = [measures.search_query(i.question) for i in items]  # what a turn searches for
        vectors = searcher.embeddings.embed_array(queries)
        product = snapshot.bm25
        for k1, b in weights:
            snapshot.bm25 = BM25Scorer(snapshot.tf, snapshot.vocab, k1=k1, b=b)  # the turn's own search, reweighted
            for split in ("dev", "test"):
                rows = [(i, q, v) for i, q, v in zip(items, queries, vectors, strict=True) if i.split == split]
                first = top = reference = 0
                for item, query, vector in rows:
                    hits = searcher.fuse(snapshot, tokenize(query, exact_numbers=True), vector, PASSAGES)
                    first += bool(hits) and _answers(hits[0], item)
                    top += any(_answers(h, item) for h in hits)
                    reference += bool(item.golds) and any(contains_gold(h.chunk.text, list(item.golds)) for h in hits)
                n = len(rows) or 1
                out.setdefault(scenario.name, {}).setdefault(split, {})[f"{k1}:{b}"] = {
                    "n": len(rows), "first": round(first / n, 3), "top3": round(top / n, 3),
                    "reference": round(reference / n, 3)}  # fmt: skip
        snapshot.bm25 = product
    return out


def _answers(hit, item) -> bool:
    """The hit is from a file (or the PDF page: `scenarios.places`) that answers the item."""
    return bool(set(places(hit.chunk.source, hit.chunk.page)) & set(item.sources))


def main() -> None:
    p = report_cli.parser(__doc__)
    p.add_argument("--weights", nargs="+", default=[f"{K1}:{B}", "1.5:0.75"],
                   help="BM25 k1:b pairs to compare (default: the product's, then rank-bm25's)")  # fmt: skip
    args = p.parse_args()
    weights = [tuple(float(x) for x in w.split(":")) for w in args.weights]
    figures = measure(weights)  # type: ignore[arg-type]
    if report_cli.save("section_rank", {"weights": args.weights, "scenarios": figures}, as_json=args.json):
        print(f"{'scenario':18s} {'split':5s} {'n':>4s}  " + "  ".join(f"{w:>22s}" for w in args.weights))
        print(f"{'':29s}" + "  ".join(f"{'first / top 3 / ref':>22s}" for _ in args.weights))
        for name, splits in figures.items():
            for split, by_weight in splits.items():
                cells = [by_weight[f"{k1}:{b}"] for k1, b in weights]
                print(f"{name:18s} {split:5s} {cells[0]['n']:4d}  "
                      + "  ".join(f"{c['first']:.3f} / {c['top3']:.3f} / {c['reference']:.2f}".rjust(22) for c in cells))  # fmt: skip


if __name__ == "__main__":
    main()

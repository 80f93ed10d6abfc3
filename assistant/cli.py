"""The `assistant` command line.

Only click and the settings module are imported at start-up, so `assistant --help` is instant;
each command imports what it needs. Errors the user can fix print as one line (`error: … — fix`)
with a non-zero exit; `--debug` adds the traceback.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from assistant.errors import AssistantError, BadInput

ROUTES = ("auto", "finetuned", "retrieval")


class FriendlyGroup(click.Group):
    """Turns `AssistantError` (and Ctrl-C) into one readable line instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AssistantError as exc:
            if ctx.meta.get("debug"):
                raise
            _fail(str(exc))
        except KeyboardInterrupt:
            _fail("interrupted", code=130)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:  # a bug, not user error: still one line unless --debug
            if ctx.meta.get("debug"):
                raise
            _fail(f"unexpected {type(exc).__name__}: {exc} (rerun with --debug for the traceback)")


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {_printable(message)}", err=True)
    sys.exit(code)


def _printable(text: str) -> str:
    """Arguments with undecodable bytes arrive as surrogates; never let printing them crash."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _utf8(value: str, what: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(f"the {what} is not valid UTF-8", "re-type it or fix your terminal's encoding") from None
    return value


def _sync_index(services) -> None:
    """Bring the index up to date with knowledge/ before answering (a no-op run reads no file)."""
    if not services.settings.knowledge_dir.is_dir():
        return
    bars = _ProgressBars(enabled=sys.stderr.isatty())
    try:
        summary = services.ingestor().run(bars)
    finally:
        bars.close()
    if summary.changed_anything:
        click.echo(
            f"indexed knowledge/: +{len(summary.added)} ~{len(summary.changed)} -{len(summary.deleted)} files", err=True
        )


def _settings(**overrides):
    from assistant.settings import Settings

    return Settings(**{k: v for k, v in overrides.items() if v is not None})


@click.group(cls=FriendlyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.version_option(package_name="crossroads-assistant")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Crossroads: answers from a domain fine-tuned model or from hybrid retrieval, with citations.

    Settings come from ASSISTANT_* environment variables or assistant.toml (see `assistant config`).
    """
    ctx.meta["debug"] = debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--watch/--no-watch", default=False, help="Reload the app when its code changes (development).")
def serve(host: str, port: int, watch: bool) -> None:
    """Start the chat in the browser (Chainlit)."""
    import os

    app = Path(__file__).with_name("app.py")
    args = [sys.executable, "-m", "chainlit", "run", str(app), "--headless", "--host", host, "--port", str(port)]
    if watch:
        args.append("--watch")
    click.echo(f"Crossroads chat on http://{host}:{port}  (Ctrl-C to stop)", err=True)
    os.execv(sys.executable, args)


@cli.command()
@click.argument("question")
@click.option("--route", type=click.Choice(ROUTES), default="auto", show_default=True, help="Override the router.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of streaming text.")
@click.option(
    "--adapter",
    type=click.Path(path_type=Path),
    help="Also load this GGUF LoRA adapter and answer with it (fine-tuned route).",
)
def ask(question: str, route: str, as_json: bool, adapter: Path | None) -> None:
    """Answer one QUESTION from the command line."""
    from assistant.services import Services
    from assistant.turn import Conversation, clean_question

    question = _utf8(question, "question")
    extra = []
    if adapter is not None:
        _utf8(str(adapter), "adapter path")
        extra = [(adapter.stem, adapter)]
    services = Services(_settings(), extra_adapters=extra)
    clean_question(question, services.settings.max_question_chars)  # fail fast, before any indexing
    _sync_index(services)
    conversation = Conversation(services)
    if adapter is not None:
        route = "finetuned"
    stream = conversation.ask(question, route, adapter=adapter.stem if adapter else None)  # type: ignore[arg-type]
    for notice in stream.result.notices:
        click.echo(f"note: {notice}", err=True)
    if as_json:
        result = stream.collect()
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    for token in stream:
        click.echo(token, nl=False)
    click.echo()
    r = stream.result
    click.echo(f"\n[{r.route} · {r.model} · {r.timings.total_ms / 1000:.1f}s] {r.reason}", err=True)


class _ProgressBars:
    """tqdm bars on stderr: files while scanning, chunks (with rate and ETA) while embedding."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar = None
        self.phase = None

    def __call__(self, p) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        if p.phase != self.phase:
            self.close()
            self.phase = p.phase
            if p.phase == "scan":
                self.bar = tqdm(total=p.files_total, unit="file", desc="scanning", file=sys.stderr, leave=False)
            elif p.phase == "embed":
                self.bar = tqdm(total=p.chunks_total, unit="chunk", desc="embedding", file=sys.stderr)
        if self.bar is not None:
            self.bar.n = p.files_done if p.phase == "scan" else p.chunks_done
            self.bar.set_postfix_str(p.current[-40:], refresh=False)
            self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            if self.phase == "embed":
                self.bar.n = self.bar.total
            self.bar.close()
            self.bar = None


def _print_summary(summary) -> None:
    parts = [
        f"{len(summary.added)} added",
        f"{len(summary.changed)} changed",
        f"{len(summary.deleted)} deleted",
        f"{summary.unchanged} unchanged",
        f"{len(summary.skipped)} skipped",
    ]
    click.echo(
        f"{', '.join(parts)} · {summary.chunks_embedded} chunks embedded · "
        f"{summary.chunks_total} chunks in the index · {summary.seconds:.2f}s"
    )
    for name in summary.added:
        click.echo(f"  + {_printable(name)}")
    for name in summary.changed:
        click.echo(f"  ~ {_printable(name)}")
    for name in summary.deleted:
        click.echo(f"  - {_printable(name)}")
    for name, reason in summary.skipped:
        click.echo(f"  ! {_printable(name)}: {reason}")
    for note in summary.notes:
        click.echo(f"  note: {note}")


@cli.command()
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--watch", is_flag=True, help="Keep running and re-index when files change.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def ingest(path: Path | None, watch: bool, as_json: bool) -> None:
    """Index the knowledge folder (PATH, default: knowledge/) incrementally."""
    from assistant.services import Services

    services = Services(_settings(**({"knowledge_dir": path} if path else {})))
    ingestor = services.ingestor()

    def once() -> None:
        bars = _ProgressBars(enabled=not as_json and sys.stderr.isatty())
        try:
            summary = ingestor.run(bars, on_wait=lambda: click.echo("another ingest is running; waiting…", err=True))
        finally:
            bars.close()
        if as_json:
            click.echo(json.dumps(summary.to_json(), indent=2, ensure_ascii=False))
        else:
            _print_summary(summary)

    once()
    if watch:
        from assistant.index.watch import watch_folder

        click.echo(f"watching {ingestor.root} (Ctrl-C to stop)", err=True)
        watch_folder(ingestor.root, once)


@cli.command()
@click.argument("query")
@click.option("--k", default=5, show_default=True, help="How many passages.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def search(query: str, k: int, as_json: bool) -> None:
    """Hybrid BM25 + vector search over the index, with scores and provenance."""
    from assistant.services import Services

    query = _utf8(query, "query")
    services = Services(_settings())
    _sync_index(services)
    evidence = services.searcher.search(query, k)
    if as_json:
        payload = {
            "query": query,
            "generation": evidence.generation,
            "embed_ms": round(evidence.embed_ms, 2),
            "search_ms": round(evidence.search_ms, 2),
            "hits": [h.to_json() for h in evidence.hits],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    if evidence.generation is None:
        raise AssistantError("the index is empty", "run `assistant ingest` first")
    for n, hit in enumerate(evidence.hits, 1):
        c = hit.chunk
        where = c.source + (f" p.{c.page}" if c.page else "") + (f" § {c.section}" if c.section else "")
        ranks = f"bm25 #{hit.bm25_rank or '-'} · dense #{hit.dense_rank or '-'}"
        click.echo(f"[{n}] {hit.score:.4f}  {_printable(where)}  ({ranks})")
        click.echo("    " + " ".join(c.text.split())[:200])
    click.echo(f"({evidence.search_ms:.1f} ms search + {evidence.embed_ms:.1f} ms query embedding)", err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def models(as_json: bool) -> None:
    """Which backend answers, which models are available, and why."""
    from assistant.models_report import report

    info = report(_settings())
    if as_json:
        click.echo(json.dumps(info, indent=2, ensure_ascii=False))
        return
    click.echo(f"backend: {info['backend']}  ({info['reason']})")
    emb = info["embedded"]
    state = "ok" if emb["available"] else f"unavailable: {emb['error']}"
    click.echo(f"embedded: {emb['model']}  [{state}]")
    oll = info["ollama"]
    if oll["reachable"]:
        click.echo(f"ollama: {oll['host']}  models: {', '.join(oll['models']) or 'none pulled'}")
    else:
        click.echo(f"ollama: {oll['host']}  [unreachable: {oll['error']}]")
    click.echo(f"embeddings: {info['embeddings']['model_id']} ({info['embeddings']['dimension'] or '?'} dims)")
    for a in info["adapters"]:
        f1 = a["heldout_token_f1"]
        scores = f"held-out F1 {f1['base']} → {f1['finetuned']}" if f1["finetuned"] is not None else "no card metrics"
        click.echo(f"fine-tuned: {a['name']}  {a['description'] or ''}  ({a['exemplars']} exemplars, {scores})")
    if not info["adapters"]:
        click.echo("fine-tuned: none (train one with `assistant finetune`)")


@cli.command()
@click.argument("data", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", help="Domain name: adapters/NAME/ (letters, digits, - and _).")
@click.option("--steps", type=int, default=120, show_default=True, help="Training steps (batches).")
@click.option("--rank", type=int, default=16, show_default=True, help="LoRA rank.")
@click.option("--alpha", type=float, default=32.0, show_default=True, help="LoRA alpha.")
@click.option("--lr", type=float, default=1e-3, show_default=True, help="Learning rate.")
@click.option("--batch-size", type=int, default=8, show_default=True)
@click.option("--max-length", type=int, default=256, show_default=True, help="Tokens per example; longer are cut.")
@click.option("--threads", type=int, help="torch threads (default: ASSISTANT_THREADS).")
@click.option("--description", default="", help="One line for the card.")
@click.option("--resume", is_flag=True, help="Continue from the checkpoint an interrupted run left.")
@click.option("--merged", is_flag=True, help="Also write model-merged.gguf (base + adapter) for Ollama's FROM form.")
@click.option("--register", "register_name", metavar="NAME", help="Create adapters/NAME as a model in Ollama.")
def finetune(
    data, name, steps, rank, alpha, lr, batch_size, max_length, threads, description, resume, merged, register_name
) -> None:
    """Train a LoRA adapter on DATA (JSONL of question/answer pairs) into adapters/NAME/.

    \b
    Example:  assistant finetune my-faq.jsonl --name my-faq --steps 120
    Needs the optional extra: pip install -e '.[finetune]'
    """
    settings = _settings()
    if register_name:
        from assistant.finetune.ollama_register import register
        from assistant.finetune.pipeline import check_name

        model = register(
            settings.adapters_dir / check_name(register_name), settings.ollama_host, timeout_s=settings.ollama_timeout_s
        )
        click.echo(f"created Ollama model {model} at {settings.ollama_host}")
        return
    if data is None or not name:
        raise BadInput("finetune needs DATA and --name", "e.g. `assistant finetune faq.jsonl --name faq`")
    from assistant.finetune.data import read_examples
    from assistant.finetune.pipeline import check_name, run_finetune
    from assistant.finetune.train import TrainConfig, require_torch
    from assistant.llm.embedded import default_model_path
    from assistant.turn import FINETUNED_SYSTEM

    check_name(name)
    examples, warnings = read_examples(data)
    for w in warnings:
        click.echo(f"warning: {w}", err=True)
    require_torch()
    config = TrainConfig(
        rank=rank, alpha=alpha, learning_rate=lr, batch_size=batch_size, steps=steps, max_length=max_length,
        threads=threads or settings.threads,
    )  # fmt: skip
    from tqdm import tqdm

    bar = tqdm(total=steps, unit="step", desc="training", file=sys.stderr, disable=None)

    def on_step(info) -> None:
        bar.n = info.step
        extra = f", held-out {info.eval_loss:.3f}" if info.eval_loss is not None else ""
        bar.set_postfix_str(f"loss {info.loss:.3f}{extra}")

    try:
        result = run_finetune(
            examples, name=name, adapters_dir=settings.adapters_dir, base=settings.model_path or default_model_path(),
            system=FINETUNED_SYSTEM, config=config, data_path=data, description=description, resume=resume, merged=merged,
            ollama_base=settings.ollama_model, on_step=on_step, on_phase=lambda m: tqdm.write(m, file=sys.stderr),
        )  # fmt: skip
    except KeyboardInterrupt:
        bar.close()
        _fail(
            f"interrupted; checkpoint kept in {settings.adapters_dir / f'.{name}.checkpoint'} — "
            "rerun the same command with --resume",
            code=130,
        )
    bar.close()
    metrics = result.card["metrics"]
    check = metrics.get("heldout_check") or {}
    if metrics["truncated_answers"]:
        click.echo(
            f"warning: {metrics['truncated_answers']} examples were longer than --max-length {max_length} tokens "
            "and were cut; raise --max-length to train on them whole",
            err=True,
        )
    click.echo(f"wrote {result.path}/ (adapter.gguf, card.json, Modelfile)")
    click.echo(f"steps {metrics['steps']} (best {metrics['best_step']}), held-out loss {metrics['best_eval_loss']}")
    if check:
        click.echo(
            f"held-out token F1 through llama.cpp: base {check['token_f1_base']} → fine-tuned {check['token_f1_finetuned']}"
        )


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the decision and signals as JSON.")
def route(question: str, as_json: bool) -> None:
    """Show where QUESTION would be routed, why, and the signals behind it."""
    from assistant.services import Services
    from assistant.turn import Conversation, clean_question

    services = Services(_settings())
    text, _ = clean_question(_utf8(question, "question"), services.settings.max_question_chars)
    _sync_index(services)
    routed, decision, evidence = Conversation(services).decide(text, "auto")
    for warning in services.warnings:
        click.echo(f"warning: {warning}", err=True)
    payload = routed.to_json() | {"retrieve_ms": round(evidence.embed_ms + evidence.search_ms, 2)}
    if as_json:
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    click.echo(f"{decision.route} ({decision.confidence:.0%}): {decision.reason}")
    sig = routed.signals
    click.echo(
        f"  domain {sig.domain or '-'} sim {sig.domain_sim:.3f} · evidence {sig.evidence:.3f} · agreement "
        f"{sig.agreement:.2f} · doc age {'-' if sig.doc_age_days is None else f'{sig.doc_age_days:.0f}d'} · "
        f"time cue {sig.time_cue:.0f} · {payload['route_ms']:.2f} ms routing + {payload['retrieve_ms']:.1f} ms retrieval"
    )


@cli.group(name="router")
def router_group() -> None:
    """Calibrate the router."""


@router_group.command(name="fit")
@click.argument("data", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def router_fit(data: Path) -> None:
    """Fit the routing model on DATA: JSONL lines {"question": ..., "route": "finetuned"|"retrieval"}."""
    from assistant.router_fit import fit_from_file
    from assistant.services import Services

    services = Services(_settings())
    path, metrics = fit_from_file(services, data)
    click.echo(f"wrote {path}: training accuracy {metrics['accuracy']:.1%} on {metrics['examples']} questions")


@cli.group(name="eval")
def eval_group() -> None:
    """Benchmarks over the evaluation data shipped in eval-data/ (or ASSISTANT_EVAL_DIR)."""


@eval_group.command(name="retrieval")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--limit", type=int, help="Only the first N queries (quick check).")
def eval_retrieval(as_json: bool, limit: int | None) -> None:
    """SciFact nDCG@10 and Recall@100 for BM25, dense and hybrid (embeddings cached)."""
    from assistant.eval.retrieval import run
    from assistant.services import Services

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="doc", desc="embedding corpus (cached for next time)", file=sys.stderr)
        bar.n = done
        bar.refresh()

    report = run(Services(_settings()), limit=limit, progress=progress)
    if bar is not None:
        bar.close()
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"{report['dataset']}: {report['queries']} queries, {report['documents']} documents")
    click.echo(f"{'retriever':<10} {'nDCG@10':>8} {'Recall@100':>11}")
    for name, metrics in report["results"].items():
        click.echo(f"{name:<10} {metrics['ndcg@10']:>8.4f} {metrics['recall@100']:>11.4f}")
    click.echo(f"published nDCG@10: {report['published_ndcg@10']}")


def _tqdm_progress(desc: str, unit: str):
    state = {"bar": None}

    def progress(done: int, total: int) -> None:
        if state["bar"] is None:
            from tqdm import tqdm

            state["bar"] = tqdm(total=total, unit=unit, desc=desc, file=sys.stderr)
        state["bar"].n = done
        state["bar"].refresh()

    return progress


@eval_group.command(name="answers")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--per-column", type=int, default=40, show_default=True, help="Questions per column.")
def eval_answers(as_json: bool, per_column: int) -> None:
    """Knowledge-injection table: base / fine-tuned / retrieval / both × TV manual / FreshQA."""
    from assistant.eval.answers import run

    report = run(_settings(), Path("knowledge"), per_column=per_column, progress=_tqdm_progress("answering", "answer"))
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    columns = list(report["columns"])
    click.echo(f"{'':<22}" + "".join(f"{c + ' (F1 / contains / cites)':>44}" for c in columns))
    for row, cells in report["table"].items():
        line = f"{row:<22}"
        for c in columns:
            m = cells[c]
            cites = f"{m['citation_hit']:.2f}" if "citation_hit" in m else "-"
            line += f"{m['token_f1']:>24.3f} / {m['contains_gold']:.2f} / {cites:>5}"
        click.echo(line)
    click.echo(f"n per column: {report['columns']} · {report['seconds']} s")


@eval_group.command(name="routing")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--e2e", type=int, default=20, show_default=True, help="Test questions per source answered end to end (0: skip).")
@click.option("--save", is_flag=True, help="Store the fitted calibration as adapters/router.json.")
def eval_routing(as_json: bool, e2e: int, save: bool) -> None:
    """Routing accuracy on the mixed labelled set (fit on dev, report on test), then end to end."""
    from assistant.eval.routing import run

    settings = _settings()
    report = run(
        settings, Path("knowledge"), e2e_per_source=e2e, save_to=settings.adapters_dir / "router.json" if save else None,
        progress=_tqdm_progress("routing", "question"),
    )  # fmt: skip
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    t = report["test_fitted"]
    click.echo(f"test accuracy {t['accuracy']:.1%} (built-in defaults: {report['test_builtin_defaults']['accuracy']:.1%})")
    click.echo(f"by source: {t['accuracy_by_source']}")
    for r in ("finetuned", "retrieval"):
        click.echo(f"  {r}: precision {t[r]['precision']}, recall {t[r]['recall']} (n={t[r]['n']})")
    click.echo(f"confusion: {t['confusion']}")
    click.echo(f"routing p50 {report['routing_ms']['p50']} ms, p95 {report['routing_ms']['p95']} ms "
               f"(retrieval p50 {report['retrieval_ms']['p50']} ms)")
    nf = report["not_found_threshold"]
    click.echo(f"not-found threshold (dev-calibrated): {nf['threshold']} → test accuracy {nf['test_accuracy']:.1%}")
    for name, per_source in report.get("end_to_end", {}).items():
        click.echo(f"{name}: {per_source}")


@cli.command()
def config() -> None:
    """Show every setting, its environment variable and its current value."""
    from assistant.settings import Settings

    current = _settings().model_dump()
    for name, field in Settings.model_fields.items():
        click.echo(f"ASSISTANT_{name.upper():<28} {current[name]!s:<32} {field.description or ''}")


def main() -> None:
    cli(prog_name="assistant")

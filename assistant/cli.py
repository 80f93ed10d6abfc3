"""The `assistant` command line.

Only click and the settings module are imported at start-up, so `assistant --help` is instant;
each command imports what it needs. Errors the user can fix print as one line (`error: … — fix`)
with a non-zero exit; `--debug` adds the traceback.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import click

from assistant.errors import AssistantError, BadInput

ROUTES = ("auto", "base", "finetuned", "retrieval", "finetuned+retrieval", "not_found")  # = turn.MODES (kept light for --help)


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
        except BrokenPipeError:  # `assistant … | head`: the reader left; that is not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
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
    except AssistantError as exc:
        if services.store.current_name() is None:
            raise
        click.echo(f"warning: could not update the index ({exc}); answering from the current one", err=True)
        return
    finally:
        bars.close()
    if summary.damage:
        click.echo(f"warning: {summary.damage} — replaced by a new generation", err=True)
    if summary.changed_anything:
        click.echo(
            f"indexed knowledge/: +{len(summary.added)} ~{len(summary.changed)} -{len(summary.deleted)} files", err=True
        )


def _settings(**overrides):
    from pydantic import ValidationError

    from assistant.settings import Settings

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:  # one line naming the variable, not pydantic's four
        problems = "; ".join(
            (f"ASSISTANT_{'_'.join(map(str, e['loc'])).upper()}={e.get('input')!s}: " if e["loc"] else "")
            + e["msg"].removeprefix("Value error, ")
            for e in exc.errors()
        )
        raise BadInput(f"invalid setting {problems}", "fix it (`assistant config` lists every setting)") from None


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

    from assistant.chat_db import check, is_postgres
    from assistant.settings import IndexBackend

    settings = _settings()  # the shared engines answer, or one line now rather than a broken chat later
    if is_postgres(settings.chat_db_url):
        check(settings.chat_db_url)
    if settings.index is IndexBackend.QDRANT and settings.qdrant_url:  # (local mode is opened by the app alone)
        from assistant.services import Services

        Services(settings).store.current_name()

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
    from assistant.turn import clean_question, replaced_by

    question = _utf8(question, "question")
    extra = []
    if adapter is not None:
        _utf8(str(adapter), "adapter path")
        extra = [(adapter.stem, adapter)]
    services = Services(_settings(), extra_adapters=extra)
    clean_question(question, services.settings.max_question_chars)  # fail fast, before any indexing
    _sync_index(services)
    if adapter is not None and route == "auto":
        route = "finetuned"
    stream = services.pipeline.answer(question, route, adapter=adapter.stem if adapter else None)  # type: ignore[arg-type]
    for notice in stream.result.notices:
        click.echo(f"note: {notice}", err=True)
    if as_json:
        result = stream.collect()
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    streamed = False
    for token in stream:
        streamed = True
        click.echo(token, nl=False)
    r = stream.result
    if not streamed:  # a quote given at once: the model wrote nothing, so nothing streamed
        click.echo(r.answer)
    else:
        click.echo()
        if r.draft is not None:
            click.echo(f"\n(replaced by {replaced_by(r)}: {r.replaced_because})\n{r.answer}")
    for c in r.citations:
        where = c.source + (f", page {c.page}" if c.page else "") + (f", {c.section}" if c.section else "")
        click.echo(f"  [{c.n}] {where}", err=True)
    origin = " · from the fine-tuned model, not from your documents" if r.route == "finetuned" else ""
    click.echo(f"\n[{r.route} · {r.answer_kind} · {r.model} · {r.timings.total_ms / 1000:.1f}s{origin}] {r.reason}", err=True)


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
    if summary.damage:
        click.echo(f"  repaired: {summary.damage} — this run wrote a whole new generation")


@cli.command()
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--watch", is_flag=True, help="Keep running and re-index when files change.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--rebuild", is_flag=True, help="Ignore the current index and index every file again (after damage).")
def ingest(path: Path | None, watch: bool, as_json: bool, rebuild: bool) -> None:
    """Index the knowledge folder (PATH, default: knowledge/) incrementally."""
    from assistant.services import Services

    services = Services(_settings(**({"knowledge_dir": path} if path else {})))
    ingestor = services.ingestor()

    def once(rebuild: bool = False) -> None:
        bars = _ProgressBars(enabled=not as_json and sys.stderr.isatty())
        try:
            summary = ingestor.run(bars, on_wait=lambda: click.echo("another ingest is running; waiting…", err=True),
                                   rebuild=rebuild)  # fmt: skip
        finally:
            bars.close()
        if as_json:
            click.echo(json.dumps(summary.to_json(), indent=2, ensure_ascii=False))
        else:
            _print_summary(summary)

    once(rebuild)
    if watch:
        from assistant.index.watch import watch_folder

        click.echo(f"watching {ingestor.root} (Ctrl-C to stop)", err=True)
        watch_folder(ingestor.root, once)


@cli.command()
@click.argument("query")
@click.option("--k", type=click.IntRange(1, 100), default=5, show_default=True, help="How many passages.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def search(query: str, k: int, as_json: bool) -> None:
    """Hybrid BM25 + vector search over the index, with scores and provenance."""
    from assistant.injection import instructions_in
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
        ranks = f"bm25 #{hit.bm25_rank or '-'} · dense #{hit.dense_rank or '-'}" + (" · kept: the vectors' first" if hit.added else "")
        click.echo(f"[{n}] {hit.score:.4f}  {_printable(where)}  ({ranks})")
        if warning := instructions_in(c.text):
            click.echo(f"    ⚠ this passage {warning}: answers never use it")
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
        if a["in_domain_recall"] is not None:
            click.echo(f"  membership: in-domain recall {a['in_domain_recall']:.0%}, "
                       f"out-of-domain false accepts {a['out_of_domain_false_accept']:.1%}")  # fmt: skip
        if a["fingerprint_phrases"]:
            click.echo(f"  own documents: told by {a['fingerprint_phrases']:,} phrases of its training answers "
                       "(another product's manual in the folder is read without it)")  # fmt: skip
        elif a["routed_automatically"]:
            click.echo("  no fingerprint of its documents in the card: another product's manual in the folder is not "
                       "told apart (rebuild with `assistant finetune`)")  # fmt: skip
        click.echo("  routed automatically" if a["routed_automatically"] else f"  only with /ft: {a['why_not']}")
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
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
              help="auto = CUDA when torch sees a GPU (bf16), else CPU.")  # fmt: skip
@click.option("--variants", type=click.IntRange(0, 6), default=3, show_default=True,
              help="Rewrites of each training question (several phrasings teach facts, not strings).")  # fmt: skip
def finetune(
    data, name, steps, rank, alpha, lr, batch_size, max_length, threads, description, resume, merged, register_name,
    device, variants,
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
        from assistant.llm.ollama import parse_hosts

        for host in parse_hosts(settings.ollama_host):  # every host of the pool answers every domain
            model = register(settings.adapters_dir / check_name(register_name), host, timeout_s=settings.ollama_timeout_s)
            click.echo(f"created Ollama model {model} at {host}")
        return
    if data is None or not name:
        raise BadInput("finetune needs DATA and --name", "e.g. `assistant finetune faq.jsonl --name faq`")
    from assistant.finetune.data import read_examples
    from assistant.finetune.pipeline import check_name, run_finetune
    from assistant.finetune.train import TrainConfig, require_torch
    from assistant.llm.embedded import default_model_path
    from assistant.prompts import FINETUNED_SYSTEM

    check_name(name)
    examples, warnings = read_examples(data)
    for w in warnings:
        click.echo(f"warning: {w}", err=True)
    require_torch()
    from assistant.finetune.train import resolve_device

    resolve_device(device)  # fail before loading anything: "--device cuda" without a GPU
    config = TrainConfig(
        rank=rank, alpha=alpha, learning_rate=lr, batch_size=batch_size, steps=steps, max_length=max_length,
        threads=threads or settings.threads, device=device,
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
            ollama_base=settings.ollama_model, variants=variants, on_step=on_step,
            on_phase=lambda m: tqdm.write(m, file=sys.stderr),
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
    from assistant import spelling
    from assistant.services import Services
    from assistant.turn import clean_question

    services = Services(_settings())
    text, _ = clean_question(_utf8(question, "question"), services.settings.max_question_chars)
    _sync_index(services)
    routed = services.pipeline.route(text)
    for warning in services.warnings:
        click.echo(f"warning: {warning}", err=True)
    decision, evidence = routed.decision, routed.evidence
    payload = decision.to_json() | {"retrieve_ms": round(evidence.embed_ms + evidence.search_ms, 2),
                                    "misspelt": routed.misspelt}  # fmt: skip
    if as_json:
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    if routed.misspelt:
        click.echo(spelling.notice(routed.misspelt))
    click.echo(f"{decision.route} ({decision.confidence:.0%}): {decision.reason}")
    sig = decision.signals
    for d in sig.domains:
        own = "" if d.own_passages is None else f", passages its own {d.own_passages:.0%}"
        click.echo(f"  domain {d.name}: similarity {d.similarity:.3f}, known words {d.coverage:.0%}{own}"
                   + (f" (not routed automatically: {d.blocked})" if d.blocked else ""))  # fmt: skip
    click.echo(
        f"  evidence {sig.evidence:.3f} (folder bar {decision.bar:.3f}) · terms found {sig.lexical:.2f} (bar "
        f"{decision.lexical_bar:.2f}) · content words in one passage {sig.content:.0%} (with evidence ≥ "
        f"{decision.gate:.3f}) · agreement {sig.agreement:.2f} · doc age "
        f"{'-' if sig.doc_age_days is None else f'{sig.doc_age_days:.0f}d'} · time cue {sig.time_cue:.0f} · "
        f"{payload['route_ms']:.2f} ms routing + {payload['retrieve_ms']:.1f} ms retrieval"
    )


@cli.group(name="router")
def router_group() -> None:
    """Calibrate the router."""


@router_group.command(name="fit")
@click.argument("data", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def router_fit(data: Path) -> None:
    """Fit the router's policy on DATA, your labelled questions, against your own folder and domains.

    DATA is JSONL: {"question": ..., "route": "finetuned"|"retrieval"|"finetuned+retrieval"|"not_found"}.
    Writes adapters/router.json.
    """
    from assistant.eval.routing import fit_from_file

    path, metrics = fit_from_file(_settings(), data)
    click.echo(f"wrote {path}: accuracy {metrics['accuracy']:.1%} on {metrics['n']} questions (the data it was fitted on)")


@cli.group(name="eval")
def eval_group() -> None:
    """Benchmarks over the evaluation data shipped in eval-data/ (or ASSISTANT_EVAL_DIR)."""


@eval_group.command(name="retrieval")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--limit", type=int, help="Only the first N queries (quick check).")
@click.option("--index", "backend", type=click.Choice(["embedded", "qdrant"]), default="embedded", show_default=True,
              help="Search the corpus through this index backend (qdrant: Qdrant's local mode, in memory).")
def eval_retrieval(as_json: bool, limit: int | None, backend: str) -> None:
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

    report = run(Services(_settings()), limit=limit, progress=progress, backend=backend)
    if bar is not None:
        bar.close()
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"{report['dataset']}: {report['queries']} queries, {report['documents']} documents, "
               f"{report['index']} index")
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


def _scenario_progress():
    state = {"bar": None, "name": None}

    def progress(name: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if state["name"] != name:
            if state["bar"] is not None:
                state["bar"].close()
            state["bar"], state["name"] = tqdm(total=total, desc=name, file=sys.stderr, leave=False, disable=None), name
        state["bar"].n = done
        state["bar"].refresh()

    return progress


@eval_group.command(name="answers")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--per-scenario", type=int, default=20, show_default=True, help="Questions per scenario (0: all).")
@click.option("--qa", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help='Your questions instead: JSONL {"question", "answer", optional "source", optional "route"}, '
                   "answered from your knowledge folder and domains.")  # fmt: skip
@click.option("--split", type=click.Choice(["test", "dev"]), default="test", show_default=True,
              help="dev: the questions to try a change on; test: the ones to report.")
@click.option("--scenario", "only", multiple=True, metavar="NAME", help="Only this scenario (repeatable).")
@click.option("--details", is_flag=True, help="With --json: every answer beside its reference.")
def eval_answers(as_json: bool, per_scenario: int, qa: Path | None, split: str, only: tuple[str, ...],
                 details: bool) -> None:  # fmt: skip
    """Answer quality per scenario and mode (base / fine-tuned / retrieval / both / router), through the pipeline."""
    from assistant.eval.answers import run
    from assistant.eval.data import demo_knowledge_dir

    try:
        report = run(_settings(), demo_knowledge_dir(), per_scenario=per_scenario, qa=qa, progress=_scenario_progress(),
                     split=split, only=only, details=details)  # fmt: skip
    except ValueError as e:
        raise click.UsageError(str(e)) from e
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"{'scenario':<16}{'mode':<21}{'n':>4}{'F1':>7}{'F1≥.3':>7}{'contains':>9}{'cited':>7}{'not found':>10}"
               f"{'quoted':>7}{'echo':>5}")  # fmt: skip
    for scenario, rows in report["table"].items():
        for mode, m in rows.items():
            cells = [m.get("token_f1"), m.get("f1_at_least_0_3"), m.get("contains_reference"), m.get("cited_right"),
                     m.get("not_found")]  # fmt: skip
            f = ["   -" if v is None else f"{v:.2f}" for v in cells]
            quoted = m["kinds"].get("extractive", 0)
            echo = m["scaffolding_echoed"] + m["question_repeated"]
            click.echo(f"{scenario:<16}{mode:<21}{m['n']:>4}{f[0]:>7}{f[1]:>7}{f[2]:>9}{f[3]:>7}{f[4]:>10}{quoted:>7}{echo:>5}")
    for scenario, rows in report["table"].items():
        for mode, m in rows.items():
            if m.get("not_found_quote_holds"):
                click.echo(f"{scenario}/{mode}: {m['not_found_quote_holds']} \"not found\" answers quote the reference "
                           "in the closest passage (scored as no answer)")  # fmt: skip
            if "followed" in m:
                click.echo(f"{scenario}/{mode}: {m['followed']:.0%} of answers said what a hostile document wanted")
    click.echo(f"{report['seconds']} s (answers are cached: a rerun only answers what changed)")


@eval_group.command(name="desk")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def eval_desk(as_json: bool) -> None:
    """Draft replies to 30 realistic tickets: questions picked out, answered, escalated, sentences cited."""
    from assistant.eval.data import demo_knowledge_dir
    from assistant.eval.desk import run

    report = run(_settings(), demo_knowledge_dir(), progress=_scenario_progress())
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    click.echo(f"{report['tickets']} tickets, {report['questions']} questions: picked out {report['picked_share']:.0%}, "
               f"answerable answered {report['answered_share']:.0%}, unanswerable escalated {report['escalated_share']:.0%}; "
               f"{report['supported_share']:.0%} of {report['sentences']} draft sentences cited or labelled, "
               f"{report['flagged']} flagged ⚠")  # fmt: skip


@eval_group.command(name="routing")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--labels", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help='Your labelled questions instead: JSONL {"question", "route"}, routed against your folder.')
@click.option("--save", is_flag=True, help="Store the policy fitted on all scenarios as adapters/router.json.")
def eval_routing(as_json: bool, labels: Path | None, save: bool) -> None:
    """Routing per scenario: fitted on the other scenarios, reported on the one left out."""
    from assistant.eval.data import demo_knowledge_dir
    from assistant.eval.routing import run

    settings = _settings()
    report = run(settings, demo_knowledge_dir(), labels=labels, save_to=settings.adapters_dir / "router.json" if save else None,
                 progress=_scenario_progress())  # fmt: skip
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"{'scenario':<16}{'n':>5}{'left out':>10}{'→ ft wrongly':>14}{'defaults':>10}   routes (left out)")
    for name, row in report["scenarios"].items():
        held = row.get("left_out", row["defaults"])
        wrong = held["to_finetuned_wrongly"]
        click.echo(f"{name:<16}{held['n']:>5}{held['accuracy']:>10.1%}{'-' if wrong is None else f'{wrong:.1%}':>14}"
                   f"{row['defaults']['accuracy']:>10.1%}   {held['routes']}")  # fmt: skip
    click.echo(f"routing decision p50 {report['routing_ms']['p50']} ms, p95 {report['routing_ms']['p95']} ms "
               f"(retrieval p50 {report['retrieval_ms_p50']} ms); policy fitted on all: {report['fitted_on_all']}")


@cli.command()
def config() -> None:
    """Show every setting, its environment variable and its current value."""
    from assistant.settings import Settings

    current = _settings().model_dump()
    for name, field in Settings.model_fields.items():
        click.echo(f"ASSISTANT_{name.upper():<28} {current[name]!s:<32} {field.description or ''}")


def _register() -> None:
    from assistant.cli_db import db_group
    from assistant.cli_desk import desk_group, escalations_group, feedback_group, report_group

    for group in (desk_group, escalations_group, feedback_group, report_group, db_group):
        cli.add_command(group)


_register()


def main() -> None:
    cli(prog_name="assistant")

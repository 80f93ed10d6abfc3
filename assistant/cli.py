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
    from assistant.turn import Conversation

    question = _utf8(question, "question")
    extra = []
    if adapter is not None:
        _utf8(str(adapter), "adapter path")
        extra = [(adapter.stem, adapter)]
    services = Services(_settings(), extra_adapters=extra)
    conversation = Conversation(services)
    if adapter is not None:
        route = "finetuned"
    stream = conversation.ask(question, route)  # type: ignore[arg-type]
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
        click.echo(f"fine-tuned: {a['name']}  {a['path']}")
    if not info["adapters"]:
        click.echo("fine-tuned: none (train one with `assistant finetune`)")


@cli.command()
def config() -> None:
    """Show every setting, its environment variable and its current value."""
    from assistant.settings import Settings

    current = _settings().model_dump()
    for name, field in Settings.model_fields.items():
        click.echo(f"ASSISTANT_{name.upper():<28} {current[name]!s:<32} {field.description or ''}")


def main() -> None:
    cli(prog_name="assistant")

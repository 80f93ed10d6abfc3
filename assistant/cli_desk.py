"""The agent desk on the command line: `assistant desk draft`, `assistant escalations`,
`assistant feedback export`, `assistant report gaps` (registered on `assistant.cli.cli`)."""

from __future__ import annotations

import json
from pathlib import Path

import click


def _escalations():
    from assistant.cli import _settings
    from assistant.escalations import EscalationStore

    return EscalationStore(_settings().data_dir / "desk.db")


@click.group(name="desk")
def desk_group() -> None:
    """Support agent's desk: draft a cited reply to a customer's message."""


@desk_group.command(name="draft")
@click.argument("message_file", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--json", "as_json", is_flag=True, help="Print the draft, its sentences' support and citations as JSON.")
@click.option("--citations", type=click.Choice(["footnotes", "none"]), default="footnotes", show_default=True,
              help="How the copy-ready reply shows its sources.")  # fmt: skip
def desk_draft(message_file, as_json: bool, citations: str) -> None:
    """Draft a reply to the customer's message in MESSAGE_FILE (or stdin).

    \b
    Each question in the message is answered through the normal turn. In the draft, ⚠ marks a
    sentence no source supports and (ft) one from the fine-tuned model; questions the knowledge
    folder does not answer become open escalations (`assistant escalations`).
    Example:  assistant desk draft ticket.txt
    """
    from assistant.cli import _settings, _sync_index, _utf8
    from assistant.desk import draft_reply
    from assistant.errors import BadInput
    from assistant.services import Services

    message = _utf8(message_file.read(), "message").strip()
    if not message:
        raise BadInput("the customer's message is empty", "pass a file with the message, or pipe it in")
    services = Services(_settings())
    _sync_index(services)
    draft = draft_reply(message, services.pipeline)
    store = _escalations()
    opened = [store.open(p.result, message) for p in draft.parts if p.escalate]
    if as_json:
        click.echo(json.dumps(draft.to_json() | {"escalations": [e.id for e in opened]}, indent=1, ensure_ascii=False))
        return
    for p in draft.parts:
        click.echo(f"• {p.question}\n  → {p.result.route} ({p.result.answer_kind}): {p.result.reason}", err=True)
    click.echo("\n--- draft (⚠ = no source supports it, (ft) = fine-tuned model) ---\n" + draft.body())
    click.echo("\n--- copy-ready reply ---\n" + draft.copy_text(citations))  # type: ignore[arg-type]
    if draft.flagged:
        click.echo(f"\nwarning: {draft.flagged} sentence(s) have no source; check them before sending", err=True)
    for e in opened:
        click.echo(f"escalated {e.id}: {e.question}  (resolve with: assistant escalations resolve {e.id} \"…\")", err=True)


@click.group(name="escalations", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--all", "show_all", is_flag=True, help="Resolved ones too.")
@click.pass_context
def escalations_group(ctx: click.Context, as_json: bool, show_all: bool) -> None:
    """List open hand-offs: questions the assistant could not answer."""
    if ctx.invoked_subcommand:
        return
    items = _escalations().list(None if show_all else "open")
    if as_json:
        click.echo(json.dumps([e.__dict__ for e in items], indent=1, ensure_ascii=False))
        return
    if not items:
        click.echo("no open escalations" if not show_all else "no escalations")
    for e in items:
        click.echo(f"{e.id}  {e.created}  [{e.status}]  {e.question}")
        click.echo("    " + e.note().replace("\n", "\n    "))
        if e.resolution:
            click.echo(f"    Resolved: {e.resolution}")


@escalations_group.command(name="resolve")
@click.argument("escalation_id")
@click.argument("answer")
def escalations_resolve(escalation_id: str, answer: str) -> None:
    """Mark ESCALATION_ID resolved with the ANSWER you gave the customer (saved as a correction)."""
    e = _escalations().resolve(escalation_id, answer)
    click.echo(f"resolved {e.id}: {e.question}")


@click.group(name="feedback")
def feedback_group() -> None:
    """What agents taught the assistant."""


@feedback_group.command(name="export")
@click.option("--finetune", "target", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Write the corrections as fine-tuning JSONL ({question, answer}).")  # fmt: skip
def feedback_export(target: Path) -> None:
    """Export agents' corrections (resolved escalations, replies they edited and sent) and
    thumbs-up answers as training data for `assistant finetune`."""
    from assistant.chat_history import history_of, stored_turns
    from assistant.chat_view import strip_footer
    from assistant.citations import MARKER
    from assistant.cli import _settings

    corrections = [{"question": q, "answer": a} for q, a in _escalations().corrections()]
    liked = [{"question": t.question, "answer": MARKER.sub("", strip_footer(t.answer)).strip()}
             for t in stored_turns(history_of(_settings())) if t.feedback == 1 and t.route != "not_found"]  # fmt: skip
    rows = list({(r["question"], r["answer"]): r for r in corrections + liked if r["answer"]}.values())
    target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    click.echo(f"wrote {len(rows)} examples to {target} ({len(corrections)} corrections, {len(liked)} thumbs-up answers)")


@click.group(name="report")
def report_group() -> None:
    """Reports for whoever maintains the knowledge folder."""


@report_group.command(name="gaps")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--html", "html_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write an HTML report (top gaps, answers per route per day) to this file.")  # fmt: skip
def report_gaps(as_json: bool, html_file: Path | None) -> None:
    """Questions answered "not found", escalated or thumbed down, grouped by topic, with the
    documents that came closest: which article to write next."""
    from assistant.cli import _settings
    from assistant.gaps import report, to_html
    from assistant.services import Services

    data = report(Services(_settings()))
    if html_file:
        html_file.write_text(to_html(data), encoding="utf-8")
        click.echo(f"wrote {html_file}", err=True)
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif not html_file:
        if not data["gaps"]:
            click.echo("No gaps: nothing was answered “not found”, escalated or thumbed down.")
        for g in data["gaps"]:
            why = ", ".join(f"{k} {v}" for k, v in g["why"].items())
            click.echo(f"{g['count']:>4}  {g['topic']}  ({why}; closest: {', '.join(g['closest']) or '—'})")
            for q in g["examples"][1:3]:
                click.echo(f"      · {q}")

"""`assistant db init|migrate|status`: the chat history's database (registered on `assistant.cli.cli`)."""

from __future__ import annotations

from pathlib import Path

import click


def _postgres_url() -> str:
    from assistant.chat_db import is_postgres
    from assistant.cli import _settings
    from assistant.errors import BadInput

    url = _settings().chat_db_url
    if not is_postgres(url):
        raise BadInput("ASSISTANT_CHAT_DB_URL does not name a PostgreSQL database"
                       + (f" ({url.split(':', 1)[0]})" if url else " (empty: the history is the SQLite file in the data dir)"),
                       "set ASSISTANT_CHAT_DB_URL=postgresql://USER:PASSWORD@HOST:5432/DB")  # fmt: skip
    return url


@click.group(name="db")
def db_group() -> None:
    """Chat history on PostgreSQL (ASSISTANT_CHAT_DB_URL): create its tables, move SQLite history in."""


@db_group.command(name="init")
def db_init() -> None:
    """Create the chat history tables in ASSISTANT_CHAT_DB_URL (safe to run again)."""
    from assistant.chat_db import init

    missing = init(_postgres_url())
    click.echo(f"created {', '.join(missing)}" if missing else "the chat history tables were already there")


@db_group.command(name="status")
def db_status() -> None:
    """Say whether the chat database answers and has its tables."""
    from assistant.chat_db import check

    check(_postgres_url())
    click.echo("the chat database answers and has its tables")


@db_group.command(name="migrate")
@click.option("--from", "source", type=click.Choice(["sqlite"]), required=True, help="Where the history is now.")
@click.option("--sqlite", "sqlite_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The SQLite history (default: chat.db in the data dir).")  # fmt: skip
def db_migrate(source: str, sqlite_path: Path | None) -> None:
    """Copy the single-machine SQLite history into PostgreSQL (rows already there are kept).

    \b
    Example:  ASSISTANT_CHAT_DB_URL=postgresql://crossroads@db/crossroads assistant db migrate --from sqlite
    """
    from assistant.chat_db import migrate_from_sqlite
    from assistant.cli import _settings

    url = _postgres_url()
    result = migrate_from_sqlite(sqlite_path or _settings().data_dir / "chat.db", url)
    for table, copied in result.copied.items():
        skipped = result.skipped[table]
        click.echo(f"{table:<10} {copied:>6} copied" + (f", {skipped} already there" if skipped else ""))

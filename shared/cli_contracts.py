"""`fundlink contracts` and `fundlink broker`: published contracts and broker permissions."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

contracts_app = typer.Typer(help="Published contracts generated from code.", no_args_is_help=True)
broker_app = typer.Typer(help="Broker users, permissions and topology derived from the catalogue.",
                         no_args_is_help=True)
console = Console(soft_wrap=True)


@contracts_app.command("generate")
def contracts_generate(
    allow_breaking: bool = typer.Option(False, help="Overwrite a published schema with a breaking change "
                                        "(only for a version that was never released)."),
):
    """Write contracts/ (and deploy/rabbitmq/definitions.json) from the code and the catalogue."""
    from shared.contracts import generate

    written, refused = generate(allow_breaking=allow_breaking)
    for path in written:
        console.print(f"wrote {path}")
    for problem in refused:
        console.print(f"[red]not written: {problem}[/red]")
    if refused:
        console.print("[red]bump the version, or rerun with --allow-breaking if this version was never "
                      "released[/red]")
        raise typer.Exit(1)


@contracts_app.command("check")
def contracts_check():
    """Fail on drift from the code, or on a breaking change to a published version."""
    from shared.contracts import check

    problems = check()
    for p in problems:
        console.print(f"[red]{p}[/red]")
    if problems:
        raise typer.Exit(1)
    console.print("contracts match the code")


@contracts_app.command("show")
def contracts_show(agency: str = typer.Argument(None, help="Only what this agency sends or receives.")):
    """Who sends what to whom, with deadlines (the boundary tables as a table)."""
    from rich.markup import escape

    from shared.bus.catalogue import catalogue
    from shared.contracts import event_schemas
    from shared.contracts.overview import rows

    cat = catalogue()
    if agency and agency not in cat.agencies:
        raise typer.BadParameter(f"unknown agency {agency!r}; known: {', '.join(cat.agencies)}")
    table = Table(title=f"hand-offs of {agency}" if agency else "all hand-offs", show_lines=False)
    for col in ("HO", "event type", "from", "to", "role", "deadline", "schema"):
        table.add_column(col, overflow="fold")
    for r in rows(cat, set(event_schemas()), agency):
        mark = "[green]yes[/green]" if r.contract else "[red]missing[/red]"
        cells = (r.handoff, r.event_type, r.producer, ", ".join(r.consumers), r.role, r.deadline)
        table.add_row(*map(escape, cells), mark)  # deadlines carry "[seed]"-style tags, not rich markup
    console.print(table)


@broker_app.command("definitions")
def broker_definitions(vhost: str = typer.Option("/", help="Virtual host the definitions are for.")):
    """Print the definitions (users without passwords) derived from the catalogue."""
    from shared.bus.catalogue import catalogue
    from shared.contracts.broker import definitions

    typer.echo(json.dumps(definitions(catalogue(), vhost), indent=2, ensure_ascii=False))


@broker_app.command("apply")
def broker_apply(
    vhost: str = typer.Option("/", help="Virtual host to load into."),
    secrets_dir: Path = typer.Option(None, help="Where generated passwords are kept (default ./var/broker)."),
    url: str = typer.Option(None, envvar="FUNDLINK_RABBITMQ_MANAGEMENT_URL", help="Management API base URL."),
):
    """Load users, permissions, exchanges and queues into a running RabbitMQ (management API).

    Each party's password comes from FUNDLINK_BROKER_PASSWORD_<PARTY>, else from a secret
    generated once under --secrets-dir (mode 0600). The guest user is not touched.
    """
    from shared.bus.catalogue import catalogue
    from shared.config import var_dir
    from shared.contracts.broker import apply, definitions, passwords_from_env

    cat = catalogue()
    passwords, written = passwords_from_env(cat, secrets_dir or var_dir() / "broker")
    doc = definitions(cat, vhost, passwords)
    try:
        apply(doc, url=url)
    except Exception as exc:  # noqa: BLE001 - say why and exit non-zero
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    for path in written:
        console.print(f"new password in {path}")
    console.print(f"loaded {len(doc['users'])} users, {len(doc['queues'])} queues into vhost {vhost!r}")

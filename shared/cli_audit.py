"""`fundlink audit`: check, export and search the hand-off record of each agency.

The record lives in each agency's own database (tables ``fundlink_audit`` and
``fundlink_audit_head``), so these commands read it there, through the agency's
``DATABASE_URL``; the public keys come from the agency's key registry.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from shared.config import settings_for

audit_app = typer.Typer(help="The hand-off record: verify the chain, export a case, search.", no_args_is_help=True)
console = Console(soft_wrap=True)
AGENCIES = typer.Argument(None, help="Agencies whose record to read (default: every agency).")


def _agencies(given: list[str] | None) -> list[str]:
    from shared.supervisor import service_classes

    known = sorted(service_classes())
    for a in given or []:
        if a not in known:
            raise typer.BadParameter(f"unknown agency {a!r}; known: {', '.join(known)}")
    return list(given) if given else known


def _database(agency: str, database_url: str | None = None):
    """The agency's database if it holds a record; None if it has none yet."""
    from sqlalchemy import inspect

    from shared.audit import AUDIT_TABLE
    from shared.db import Database

    url = database_url or settings_for(agency).database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None
    db = Database(url)
    if not inspect(db.engine).has_table(AUDIT_TABLE):
        db.dispose()
        return None
    return db


def read_record(agency: str, database_url: str | None = None):
    """(rows, head) of an agency's record; (None, None) if it has none yet."""
    from sqlalchemy import MetaData

    from shared.audit import AuditTables, read_chain

    db = _database(agency, database_url)
    if db is None:
        return None, None
    try:
        with db.transaction() as session:
            return read_chain(session, AuditTables.on(MetaData()))
    finally:
        db.dispose()


def _registry(agency: str):
    from shared.bus.signing import KeyRegistry

    return KeyRegistry.from_directory(settings_for(agency).public_keys_dir)


@audit_app.command("verify")
def verify(agencies: list[str] = AGENCIES,
           bundle: Path = typer.Option(None, "--bundle", help="Verify an exported bundle file instead.")):
    """Check each record's chain and event signatures; name the first broken link. Exits 1 on any."""
    from shared.audit import verify as check
    from shared.audit import verify_bundle

    if bundle is not None:
        problems = verify_bundle(json.loads(bundle.read_text(encoding="utf-8")))
        for p in problems:
            console.print(f"[red]broken[/red] {p}")
        if problems:
            raise typer.Exit(1)
        console.print(f"[green]bundle {bundle} verifies[/green]")
        return
    broken = False
    for agency in _agencies(agencies):
        rows, head = read_record(agency)
        if rows is None:
            console.print(f"{agency:20} no record yet")
            continue
        problems = check(rows, _registry(agency), head)
        if problems:
            broken = True
            console.print(f"{agency:20} [red]BROKEN[/red] first broken link: {problems[0]}")
            for p in problems[1:]:
                console.print(f"{'':20} also: {p}")
        else:
            tip = f"head {head['seq']} {head['hash']}" if head else "empty"
            console.print(f"{agency:20} [green]ok[/green] {len(rows)} entries, {tip}")
    if broken:
        raise typer.Exit(1)


@audit_app.command("export")
def export(case: str = typer.Option(..., "--case", help="The case (or other matter) id."),
           out: Path = typer.Option(None, "--out", help="Bundle file (default: audit-<case>.json)."),
           agencies: list[str] = typer.Option(None, "--agency", help="Only these agencies' records.")):
    """Write a self-contained bundle of one case: its entries, the chain's hashes and the public keys."""
    from shared.audit import export_bundle, verify_bundle

    records, keys = {}, {}
    for agency in _agencies(agencies):
        rows, head = read_record(agency)
        if rows:
            records[agency] = (rows, head)
        directory = settings_for(agency).public_keys_dir
        for pub in sorted(directory.glob("*.pub")) if directory.is_dir() else []:
            keys.setdefault(pub.stem, pub.read_text(encoding="utf-8"))
    bundle = export_bundle(records, case, keys)
    if not bundle["records"]:
        console.print(f"[red]no record mentions {case}[/red]")
        raise typer.Exit(1)
    path = out or Path(f"audit-{case}.json")
    path.write_text(json.dumps(bundle, ensure_ascii=False, indent=1), encoding="utf-8")
    problems = verify_bundle(bundle)
    n = sum(1 for r in bundle["records"].values() for e in r["entries"] if "kind" in e)
    console.print(f"wrote {path}: {n} entries of {case} from {', '.join(bundle['records'])}"
                  + (f"; [red]{len(problems)} problem(s): {problems[0]}[/red]" if problems else "; it verifies"))
    if problems:
        raise typer.Exit(1)


@audit_app.command("search")
def search(
    agencies: list[str] = typer.Option(None, "--record", help="Only these agencies' records (default: all)."),
    case: str = typer.Option(None, "--case"), feed: str = typer.Option(None, "--feed"),
    agency: str = typer.Option(None, "--agency", help="Entries whose record or other side is this agency."),
    event_type: str = typer.Option(None, "--event-type", help="An event type, or 'METHOD /route'."),
    user: str = typer.Option(None, "--user", help="Who acted (a token's user, or an event's signer)."),
    since: str = typer.Option(None, "--since", help="ISO date or time (UTC unless it says otherwise)."),
    until: str = typer.Option(None, "--until"), limit: int = typer.Option(200),
    as_json: bool = typer.Option(False, "--json"),
):
    """Find entries by case, feed, agency, event type, user and time; show them as a table."""
    from sqlalchemy import MetaData

    from shared.audit import Filters, audit_table
    from shared.audit import search as find

    filters = Filters(case=case, feed=feed, agency=agency, event_type=event_type, user=user, since=since,
                      until=until, limit=limit)
    found = []
    for name in _agencies(agencies):
        db = _database(name)
        if db is None:
            continue
        try:
            with db.transaction() as session:
                found += find(session, audit_table(MetaData()), filters)
        finally:
            db.dispose()
    found.sort(key=lambda e: e["recorded_at"])
    if as_json:
        for entry in found[:limit]:
            typer.echo(json.dumps(entry, ensure_ascii=False, default=str))
        return
    table = Table("time (UTC)", "record", "#", "kind", "who", "role", "what", "matter", "outcome")
    for e in found[:limit]:
        table.add_row(e["recorded_at"][:19], e["agency"], str(e["seq"]), e["kind"], e["actor"], e["role"],
                      e["action"], e["subject"] or "", (e["outcome"] or "")[:80])
    console.print(table)
    console.print(f"{min(len(found), limit)} entr{'y' if len(found) == 1 else 'ies'}")

"""`fundlink`: run the agencies, manage keys, contracts and dead letters."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from shared import cli_audit, cli_cases, cli_contracts, cli_money, cli_tax, cli_users
from shared.config import DEFAULT_AMQP_URI, settings_for, var_dir

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
keys_app = typer.Typer(help="Ed25519 signing keys of agencies and outside parties.", no_args_is_help=True)
db_app = typer.Typer(help="Per-agency database migrations (Alembic).", no_args_is_help=True)
dlq_app = typer.Typer(help="Dead-letter queues: list, show, replay, purge.", no_args_is_help=True)
party_app = typer.Typer(help="Signed way in for parties outside the six services.", no_args_is_help=True)
for sub, name in ((keys_app, "keys"), (db_app, "db"), (dlq_app, "dlq"), (party_app, "party"),
                  (cli_contracts.contracts_app, "contracts"), (cli_contracts.broker_app, "broker"),
                  (cli_cases.case_app, "case"), (cli_tax.tax_app, "tax"), (cli_tax.center_app, "center"),
                  (cli_tax.sample_app, "sample"), (cli_money.budget_app, "budget"), (cli_money.plan_app, "plan"),
                  (cli_users.users_app, "users"), (cli_audit.audit_app, "audit")):
    app.add_typer(sub, name=name)
console = Console(soft_wrap=True)


def _agencies(given: list[str] | None) -> list[str]:
    from shared.supervisor import service_classes

    known = sorted(service_classes())
    for a in given or []:
        if a not in known:
            raise typer.BadParameter(f"unknown agency {a!r}; known: {', '.join(known)}")
    return list(given) if given else known


# -- keys ----------------------------------------------------------------------------
@keys_app.command("generate")
def keys_generate(
    parties: list[str] = typer.Argument(None, help="Parties to make keys for (default: every party)."),
    directory: Path = typer.Option(None, "--dir", help="Where to write <party>.key and <party>.pub."),
    test: bool = typer.Option(False, help="Mark the keys as test keys, not for production."),
    overwrite: bool = typer.Option(False, help="Replace existing keys (rotation)."),
):
    """Generate Ed25519 key pairs."""
    from shared.bus.catalogue import catalogue
    from shared.bus.signing import generate_keys

    directory = directory or var_dir() / "keys"
    from shared.auth import ISSUER_PARTY

    for party in parties or [*catalogue().agencies, ISSUER_PARTY]:
        try:
            path = generate_keys(party, directory, test=test, overwrite=overwrite)
            console.print(f"wrote {path} and {path.with_suffix('.pub').name}")
        except FileExistsError as exc:
            console.print(f"[yellow]kept[/yellow] {exc}")


@keys_app.command("list")
def keys_list(directory: Path = typer.Option(None, "--dir")):
    """List public keys in the registry directory."""
    from shared.bus.signing import KeyRegistry

    reg = KeyRegistry.from_directory(directory or var_dir() / "keys")
    for kid, (party, _) in sorted(reg._keys.items(), key=lambda kv: kv[1][0]):
        console.print(f"{party:24} {kid}")


# -- db / serve / run ---------------------------------------------------------------------
@db_app.command("upgrade")
def db_upgrade(agencies: list[str] = typer.Argument(None)):
    """Migrate each agency's database to the latest revision."""
    from shared.migrate import upgrade

    for agency in _agencies(agencies):
        upgrade(agency)
        console.print(f"{agency}: migrated ({settings_for(agency).database_url.split('@')[-1]})")


@app.command()
def serve(agency: str):
    """Run one agency's service in this process (what a container runs)."""
    from shared.supervisor import prepare
    from shared.supervisor import serve as serve_one

    _agencies([agency])
    prepare(agency)
    serve_one(agency)


def _broker_reachable(uri: str) -> str | None:
    from kombu import Connection

    try:
        with Connection(uri, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
        return None
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"


@app.command()
def run(
    demo: bool = typer.Option(True, help="Drive the demo hand-offs once the services are up."),
    once: bool = typer.Option(False, help="Stop the services after the demo instead of staying up."),
):
    """Start every agency service against the local RabbitMQ and show hand-offs crossing the bus."""
    from shared.demo import run as run_demo
    from shared.supervisor import Fleet, prepare, wait_healthy

    agencies = _agencies(None)
    uri = settings_for(agencies[0]).amqp_uri
    problem = _broker_reachable(uri)
    if problem:
        console.print(f"[red]RabbitMQ is not reachable at {uri}[/red] ({problem}).\n"
                      "Start it with `rabbitmq-server -detached`, or install it: `apt-get install rabbitmq-server`.")
        raise typer.Exit(2)
    for agency in agencies:
        prepare(agency)
    from shared.bus.signing import generate_keys

    for party in __import__("shared.bus.catalogue", fromlist=["catalogue"]).catalogue().external_parties():
        key_dir = settings_for(agencies[0]).keys_dir
        if not (key_dir / f"{party}.key").exists():
            generate_keys(party, key_dir)
    fleet = Fleet(agencies)
    fleet.start()
    try:
        status = wait_healthy(agencies, timeout=90)
        for agency, st in status.items():
            console.print(f"  {agency:20} {'[green]' if st == 'ok' else '[red]'}{st}[/] "
                          f"http://{settings_for(agency).web_address}/health")
        if any(st != "ok" for st in status.values()):
            console.print("[red]some services did not become healthy[/red]")
            raise typer.Exit(1)
        ok = True
        if demo:
            ok = run_demo(console.print, uri)
            console.print("[green]demo round trip closed[/green]" if ok else "[red]demo did not close[/red]")
        if once:
            raise typer.Exit(0 if ok else 1)
        console.print("services are running; Ctrl-C stops them")
        while all(p.poll() is None for p in fleet.procs.values()):
            time.sleep(1)
        console.print("[red]a service exited[/red]")
        raise typer.Exit(1)
    except KeyboardInterrupt:
        pass
    finally:
        fleet.stop()


@app.command()
def status():
    """One table of every agency: health, outbox backlog and dead letters. Exits 1 if one is down."""
    import requests

    table = Table("agency", "status", "database", "broker", "dead letters", "outbox backlog")
    down = []
    for agency in _agencies(None):
        base = f"http://{settings_for(agency).web_address}"
        try:
            health = requests.get(base + "/health", timeout=3).json()
            metrics = requests.get(base + "/metrics", timeout=3).text
            backlog = next((line.split()[-1] for line in metrics.splitlines()
                            if line.startswith("fundlink_outbox_backlog{")), "?")
            checks = health.get("checks", {})
            table.add_row(agency, health["status"], checks.get("database", "?"), checks.get("broker", "?"),
                          str(checks.get("dead_letters", "?")), backlog)
            if health["status"] != "ok":
                down.append(agency)
        except Exception as exc:  # noqa: BLE001
            table.add_row(agency, "[red]unreachable[/red]", "?", "?", "?", f"{type(exc).__name__}")
            down.append(agency)
    console.print(table)
    if down:
        console.print(f"[red]down: {', '.join(down)}[/red]")
        raise typer.Exit(1)


# -- dead letters -------------------------------------------------------------------------
def _dlq(agency: str):
    from shared.bus.dead_letters import DeadLetterQueue

    _agencies([agency])
    return DeadLetterQueue(settings_for(agency).amqp_uri, agency)


@dlq_app.command("list")
def dlq_list(agency: str, limit: int = typer.Option(100), as_json: bool = typer.Option(False, "--json")):
    """List dead letters with their reasons."""
    letters = _dlq(agency).list(limit)
    if as_json:
        for d in letters:
            typer.echo(json.dumps({"event_id": d.event_id, "type": d.event_type, "source": d.source, "kind": d.kind,
                                   "reason": d.reason, "queue": d.queue, "attempts": d.attempts,
                                   "replays": d.replays}, ensure_ascii=False))
        return
    table = Table("#", "event id", "type", "from", "reason kind", "reason", "attempts", "replays")
    for d in letters:
        table.add_row(str(d.position), d.event_id, d.event_type, d.source, d.kind, d.reason[:120],
                      str(d.attempts), str(d.replays))
    console.print(table)
    console.print(f"{len(letters)} dead letter(s) in fundlink.{agency}.dlq")


@dlq_app.command("show")
def dlq_show(agency: str, event_id: str):
    """Show one dead letter: headers, reason and body."""
    d = _dlq(agency).show(event_id)
    if d is None:
        console.print(f"no dead letter {event_id} in {agency}'s queue")
        raise typer.Exit(1)
    console.print_json(json.dumps({"reason_kind": d.kind, "reason": d.reason, "queue": d.queue,
                                   "headers": {k: str(v) for k, v in d.headers.items()},
                                   "body": d.body.decode(errors="replace")}))


@dlq_app.command("replay")
def dlq_replay(agency: str, event_id: str = typer.Option(None, "--id", help="Only this event (default: all).")):
    """Send dead letters back to their queue; the inbox makes a repeat harmless."""
    done = _dlq(agency).replay(event_id, progress=lambda d: console.print(f"replayed {d.event_id} → {d.queue}"))
    console.print(f"{len(done)} replayed")
    if event_id and not done:
        raise typer.Exit(1)


@dlq_app.command("purge")
def dlq_purge(agency: str, event_id: str = typer.Option(None, "--id"),
              yes: bool = typer.Option(False, "--yes", help="Confirm purging everything.")):
    """Delete dead letters (one by id, or all with --yes)."""
    if event_id is None and not yes:
        console.print("refusing to purge every dead letter without --yes")
        raise typer.Exit(2)
    console.print(f"{_dlq(agency).purge(event_id)} purged")


# -- outside parties ----------------------------------------------------------------------
@party_app.command("send")
def party_send(
    party: str = typer.Option(..., "--as", help="The sending party, e.g. people_government."),
    event_type: str = typer.Argument(..., help="Event type, e.g. people_government.budget.approved.v1"),
    payload: Path = typer.Argument(..., help="JSON file with the payload, or - for stdin."),
    subject: str = typer.Option(..., help="The matter's id (case, budget, plan …)."),
    correlation_id: str = typer.Option(None, help="Defaults to the subject."),
    region: str = typer.Option("000000"),
    key_dir: Path = typer.Option(None, "--key-dir"),
    amqp_uri: str = typer.Option(None, envvar="AMQP_URI"),
):
    """Sign a hand-off with the party's own key and publish it (for parties without a service)."""
    from shared.bus.publish import publish_envelopes, signed_envelope
    from shared.bus.signing import load_signer

    data = json.loads(sys.stdin.read() if str(payload) == "-" else payload.read_text())
    signer = load_signer(party, key_dir or var_dir() / "keys")
    env = signed_envelope(signer, event_type, data, subject=subject, correlation_id=correlation_id or subject,
                          region=region)
    problems = publish_envelopes(amqp_uri or DEFAULT_AMQP_URI, [env])
    if problems:
        console.print("[red]" + "; ".join(problems) + "[/red]")
        raise typer.Exit(1)
    console.print(f"sent {env.type} {env.id} signed by {party}")


if __name__ == "__main__":
    app()

"""`fundlink users`: tokens for officers and system accounts, and the role table they are checked against."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from shared.config import var_dir

users_app = typer.Typer(help="Officers' and systems' tokens (who may do what).", no_args_is_help=True)
console = Console(soft_wrap=True)


@users_app.command("issue-token")
def issue_token(
    agency: str = typer.Option(..., help="The agency whose service will accept the token."),
    user: str = typer.Option(..., help="Who the token is for (an officer's id, or a system account)."),
    role: list[str] = typer.Option(..., "--role", help="A role from contracts/roles.yaml; repeat for several."),
    ttl: int = typer.Option(8 * 3600, help="Seconds until the token expires."),
    keys_dir: Path = typer.Option(None, "--keys-dir", envvar="FUNDLINK_KEYS_DIR",
                                  help="Where token-issuer.key is (made on first use)."),
):
    """Print a signed token (JWT, EdDSA). Send it as 'Authorization: Bearer <token>', or set FUNDLINK_TOKEN."""
    from shared.auth import issue_token as issue
    from shared.supervisor import service_classes

    known = set(service_classes())
    if agency not in known:
        raise typer.BadParameter(f"unknown agency {agency!r}; known: {', '.join(sorted(known))}")
    if ttl <= 0:
        raise typer.BadParameter("--ttl must be a positive number of seconds")
    try:
        token = issue(keys_dir or var_dir() / "keys", agency=agency, user=user, roles=role, ttl=timedelta(seconds=ttl))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(token)


@users_app.command("roles")
def roles():
    """Show the role table: what each role may do, and the routes that need more than read/write."""
    from shared.auth import role_table

    table = role_table()
    out = Table("role", "may", "what for")
    for name, may in table.roles.items():
        out.add_row(name, ", ".join(sorted(may)), table.descriptions.get(name, ""))
    console.print(out)
    routes = Table("agency", "route", "action", "basis")
    for agency, entries in table.routes.items():
        for route, (action, basis) in entries.items():
            routes.add_row(agency, route, action, basis)
    console.print(routes)

"""`fundlink contracts` and `fundlink broker`: published contracts and broker permissions."""

from __future__ import annotations

import typer
from rich.console import Console

contracts_app = typer.Typer(help="Published contracts generated from code.", no_args_is_help=True)
broker_app = typer.Typer(help="Broker users, permissions and topology derived from the catalogue.",
                         no_args_is_help=True)
console = Console(soft_wrap=True)


@contracts_app.command("generate")
def contracts_generate():
    """Write contracts/ from the code."""
    from shared.contracts import generate

    for path in generate():
        console.print(f"wrote {path}")


@contracts_app.command("check")
def contracts_check():
    """Fail if contracts/ differs from what the code generates."""
    from shared.contracts import drift

    problems = drift()
    for p in problems:
        console.print(f"[red]{p}[/red]")
    if problems:
        raise typer.Exit(1)
    console.print("contracts match the code")



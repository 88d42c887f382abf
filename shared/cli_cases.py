"""`fundlink case`: officers' view of cases."""

from __future__ import annotations

import typer

case_app = typer.Typer(help="Fraud cases and transfers to the police, with their timelines.", no_args_is_help=True)

"""`fundlink budget`, `fundlink plan`: the fund's money cycle."""

from __future__ import annotations

import typer

budget_app = typer.Typer(help="Budget drafts through their review chain.", no_args_is_help=True)
plan_app = typer.Typer(help="Quarterly fund-use plans.", no_args_is_help=True)

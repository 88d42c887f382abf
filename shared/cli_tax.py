"""`fundlink tax`, `fundlink center`, `fundlink sample`: the collection feed."""

from __future__ import annotations

import typer

tax_app = typer.Typer(help="Tax's push client for the monthly collection feed.", no_args_is_help=True)
center_app = typer.Typer(help="The handling center's registry.", no_args_is_help=True)
sample_app = typer.Typer(help="Synthetic sample data.", no_args_is_help=True)

"""`fundlink case`: officers' view of cases, over the healthcare_security service's HTTP API.

The base URL is healthcare_security's web address (``HEALTHCARE_SECURITY_WEB_SERVER_ADDRESS`` or
``WEB_SERVER_ADDRESS``); ``--url`` overrides it. Nothing here imports a service.
"""

from __future__ import annotations

import json
from pathlib import Path

import requests
import typer
from rich.console import Console
from rich.table import Table

from shared.auth import auth_headers
from shared.config import settings_for

case_app = typer.Typer(help="Fraud cases and transfers to the police, with their timelines.", no_args_is_help=True)
console = Console()
URL = typer.Option(None, "--url", help="healthcare_security base URL (default: its configured web address).")


def _base(url: str | None) -> str:
    return (url or f"http://{settings_for('healthcare_security').web_address}").rstrip("/")


def _call(method: str, url: str, body: dict | None = None) -> dict:
    try:
        r = requests.request(method, url, json=body, headers=auth_headers("healthcare_security"), timeout=15)
    except requests.RequestException as exc:
        console.print(f"[red]healthcare_security is not reachable at {url}[/red]: {exc}")
        raise typer.Exit(2) from exc
    data = r.json() if r.headers.get("content-type", "").startswith("application/json") else {"message": r.text}
    if r.status_code >= 400:
        console.print(f"[red]{r.status_code}[/red] {data.get('message', data)}")
        raise typer.Exit(1)
    return data


@case_app.command("open")
def open_case(case_id: str, region: str = typer.Option(..., help="6-digit region code of the bureau."),
              url: str | None = URL):
    """Register a lead as a new case."""
    case = _call("POST", f"{_base(url)}/cases", {"case_id": case_id, "region_code": region})
    console.print(f"case {case['case_id']} opened: {case['state']}")


@case_app.command("transfer")
def transfer(case_id: str,
             report: Path = typer.Option(None, help="JSON transfer report with its package (Decree 310 art. 6)."),
             approved_by: str = typer.Option(None, help="Head approving the transfer (Decree 310 art. 5)."),
             url: str | None = URL):
    """Transfer a case to the police (移送): submit the report and approve it if given, then send it."""
    base = _base(url)
    if report is not None:
        _call("POST", f"{base}/cases/{case_id}/transfer-report", json.loads(report.read_text()))
    if approved_by:
        _call("POST", f"{base}/cases/{case_id}/transfer-decision", {"decided_by": approved_by, "approve": True})
    case = _call("POST", f"{base}/cases/{case_id}/transfer")
    console.print(f"case {case_id} transferred to public security: {case['state']}")
    _timeline(case)


@case_app.command("show")
def show(case_id: str, as_json: bool = typer.Option(False, "--json", help="Print the raw JSON."),
         url: str | None = URL):
    """The case's timeline: every step and hand-off, its time, who signed it, its deadline and its state."""
    case = _call("GET", f"{_base(url)}/cases/{case_id}")
    if as_json:
        typer.echo(json.dumps(case, ensure_ascii=False, indent=2))
        return
    console.print(f"case {case['case_id']} ({case['region_code']}): [bold]{case['state']}[/bold]"
                  + ("  transfer required (Decree 310 art. 11)" if case["transfer_required"] else ""))
    _timeline(case)
    for d in case["open_deadlines"]:
        colour = "red" if d["overdue"] else "yellow"
        console.print(f"[{colour}]{d['name']} due {d['due_at']}{' OVERDUE' if d['overdue'] else ''}[/] ({d['rule']})")


@case_app.command("list")
def list_cases(overdue: bool = typer.Option(False, "--overdue", help="Only cases with a time limit passed."),
               state: str = typer.Option(None, help="Only cases in this state."), url: str | None = URL):
    """Cases, with the limits they missed."""
    query = "&".join(q for q in ("overdue=1" if overdue else "", f"state={state}" if state else "") if q)
    cases = _call("GET", f"{_base(url)}/cases" + (f"?{query}" if query else ""))["cases"]
    table = Table("case", "region", "state", "overdue", "next due")
    for c in cases:
        table.add_row(c["case_id"], c["region_code"], c["state"], ", ".join(c["overdue"]), c["next_due_at"] or "")
    console.print(table)


def _timeline(case: dict) -> None:
    table = Table("at", "step", "party", "signed by", "hand-off", "deadline", "deadline state", "state")
    for e in case["timeline"]:
        due = e["deadline"]["due_at"] if e["deadline"] else ""
        table.add_row(e["at"], e["step"], e["party"], e["signed_by"] or "", e["handoff"] or "", due,
                      e["deadline_state"] or "", e["state"])
    console.print(table)

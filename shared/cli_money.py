"""`fundlink budget`, `fundlink plan`: the fund's money cycle, for officers.

Each command talks HTTP to the agency that owns the step (the center compiles and submits, the bureau and
finance review, finance signs the joint submission, allocates; the center consolidates and disburses) and
prints where the item stands and what is due when. The government and the congress have no service: their
decisions are signed with their own keys (`approve`), exactly as `fundlink party send` does.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console

budget_app = typer.Typer(help="Budget drafts through their review chain.", no_args_is_help=True)
plan_app = typer.Typer(help="Quarterly fund-use plans, monthly allocation and disbursement.", no_args_is_help=True)
console = Console(soft_wrap=True)

REVIEWERS = ("healthcare_security", "finance")
URL = typer.Option(None, "--url", help="Base URL of the agency's service (default: its configured address).")


def _call(agency: str, method: str, path: str, body=None, url: str | None = None) -> dict:
    import requests

    from shared.auth import auth_headers
    from shared.config import settings_for

    base = (url or f"http://{settings_for(agency).web_address}").rstrip("/")
    try:
        r = requests.request(method, base + path, json=body, headers=auth_headers(agency), timeout=15)
    except requests.RequestException as exc:
        console.print(f"[red]{agency} is unreachable at {base}: {exc}[/red]")
        raise typer.Exit(2) from exc
    data = r.json() if r.content else {}
    if r.status_code >= 400:
        console.print(f"[red]{agency} refused ({r.status_code}): {data.get('message', data)}[/red]")
        raise typer.Exit(1)
    return data


def _show(data: dict) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False, default=str))


def _load(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(f"{path}: {exc}") from exc


# -- budget ----------------------------------------------------------------------------------------------
@budget_app.command("compile")
def budget_compile(draft: Path = typer.Argument(..., help="JSON: draft_id, year, region_code, region_level, schemes."),
                   url: str = URL):
    """The center starts a budget draft (Hainan then waits for tax's revenue confirmation)."""
    _show(_call("hs_center", "POST", "/budget-drafts", _load(draft), url))


@budget_app.command("submit")
def budget_submit(draft_id: str, url: str = URL):
    """The center submits (or resubmits) the draft to the bureau (HO-08)."""
    _show(_call("hs_center", "POST", f"/budget-drafts/{draft_id}/submit", url=url))


@budget_app.command("review")
def budget_review(draft_id: str, by: str = typer.Option(..., "--as", help="healthcare_security or finance"),
                  comments: str = typer.Option("", help="Remarks for the record."), url: str = URL):
    """Forward (bureau, HO-09) or agree (finance, HO-10); finance also files an approved Hainan budget."""
    if by not in REVIEWERS:
        raise typer.BadParameter(f"--as must be one of {', '.join(REVIEWERS)}")
    decision = "forwarded" if by == "healthcare_security" else "agreed"
    _show(_call(by, "POST", f"/budget-drafts/{draft_id}/review", {"decision": decision, "comments": comments}, url))


@budget_app.command("return")
def budget_return(draft_id: str, by: str = typer.Option(..., "--as", help="healthcare_security or finance"),
                  reason: str = typer.Option(..., help="Why it goes back; required."), url: str = URL):
    """Return the draft for revision, with the reason; the chain resumes from the returning step."""
    if by not in REVIEWERS:
        raise typer.BadParameter(f"--as must be one of {', '.join(REVIEWERS)}")
    _show(_call(by, "POST", f"/budget-drafts/{draft_id}/review", {"decision": "returned", "comments": reason}, url))


@budget_app.command("sign")
def budget_sign(draft_id: str, agency: str = typer.Option(..., help="finance, healthcare_security or tax"),
                returned: str = typer.Option("", "--return", help="Return the draft instead, with this reason."),
                url: str = URL):
    """Sign the joint submission (HO-10/11) as ``--agency``, at that agency's own service and with its key;
    finance sends it once every signature the region's chain needs is in."""
    if agency == "finance":
        if returned:
            raise typer.BadParameter("finance returns a draft with `budget return --as finance`")
        _show(_call("finance", "POST", f"/budget-drafts/{draft_id}/signatures", {"agency": "finance"}, url))
        return
    if agency not in ("healthcare_security", "tax"):
        raise typer.BadParameter("--agency must be finance, healthcare_security or tax")
    body = {"decision": "returned", "reasons": returned} if returned else {"decision": "signed"}
    _show(_call(agency, "POST", f"/approval-chains/budget/{draft_id}/signature", body, url))


@budget_app.command("approve")
def budget_approve(
    draft_id: str,
    by: str = typer.Option("people_government", "--as", help="people_government or peoples_congress"),
    decision: str = typer.Option("approved", help="approved, or returned (government) / rejected (congress)"),
    body: str = typer.Option(..., help="The approving body, e.g. 'Hainan provincial people's government'."),
    approval_id: str = typer.Option(..., help="The decision's reference."),
    requires_congress: bool = typer.Option(True, help="Government only: whether the congress approves next."),
    keys_dir: Path = typer.Option(None, help="Where the party's key is (default ./var/keys)."),
    url: str = URL,
):
    """The government or the congress decides, signed with its own key (HO-11)."""
    from shared.bus.publish import publish_envelopes, signed_envelope
    from shared.bus.signing import load_signer
    from shared.config import settings_for, var_dir

    draft = _call("finance", "GET", f"/budget-drafts/{draft_id}", url=url)
    now = datetime.now(UTC).isoformat()
    data = {"approval_id": approval_id, "draft_id": draft_id, "year": draft["year"],
            "region_code": draft["region_code"], "decision": decision, "approved_at": now}
    if by == "people_government":
        data.update(submission_id=draft["submission_id"] or "", requires_congress=requires_congress,
                    approving_body=body)
    elif by == "peoples_congress":
        data["approving_body"] = body
    else:
        raise typer.BadParameter("--as must be people_government or peoples_congress")
    signer = load_signer(by, keys_dir or var_dir() / "keys")
    env = signed_envelope(signer, f"{by}.budget.approved.v1", data, subject=draft_id, correlation_id=draft_id,
                          region=draft["region_code"])
    problems = publish_envelopes(settings_for("finance").amqp_uri, [env])
    for p in problems:
        console.print(f"[red]{p}[/red]")
    if problems:
        raise typer.Exit(1)
    console.print(f"sent {env.type} {env.id} signed by {by}")


@budget_app.command("show")
def budget_show(draft_id: str, at: str = typer.Option("finance", help="hs_center, healthcare_security or finance"),
                url: str = URL):
    """Where the draft stands at one agency and whom it waits for."""
    _show(_call(at, "GET", f"/budget-drafts/{draft_id}", url=url))


@budget_app.command("list")
def budget_list(at: str = typer.Option("finance", help="hs_center, healthcare_security or finance"),
                url: str = URL):
    """Every draft an agency holds, with its state."""
    drafts = _call(at, "GET", "/budget-drafts", url=url)["drafts"]
    for d in drafts:
        state = d.get("state") or d.get("status")
        waiting = d.get("waiting_for")
        console.print(f"{d['draft_id']:24} {d['region_code']} {d['year']} {state:22} waiting for: {waiting}")
    if not drafts:
        console.print("no drafts")


# -- plans, allocation, disbursement ------------------------------------------------------------------------
@plan_app.command("round")
def plan_round(quarter: str, region: list[str] = typer.Option(..., help="A city/county that must apply."),
               url: str = URL):
    """The provincial center opens a quarter's round; prints the plan and consolidation due dates."""
    _show(_call("hs_center", "POST", "/fund-use-plans/rounds", {"quarter": quarter, "expected_regions": region},
                url))


@plan_app.command("submit")
def plan_submit(plan: Path = typer.Argument(..., help="JSON: plan_id, quarter, region_code, lines, basis."),
                url: str = URL):
    """A city/county center applies for next quarter (HO-15); late plans are flagged."""
    _show(_call("hs_center", "POST", "/fund-use-plans", _load(plan), url))


@plan_app.command("consolidate")
def plan_consolidate(plan_id: str, quarter: str, accept_late: bool = False, url: str = URL):
    """The provincial center consolidates the plans received in time (HO-16)."""
    _show(_call("hs_center", "POST", "/fund-use-plans/consolidations",
                {"plan_id": plan_id, "quarter": quarter, "accept_late": accept_late}, url))


@plan_app.command("review")
def plan_review(plan_id: str, review: Path = typer.Argument(..., help="JSON: reviewed_by, approved_lines."),
                url: str = URL):
    """Finance and healthcare_security approve the split; a changed amount needs its reason (HO-17)."""
    _show(_call("finance", "POST", f"/fund-use-plans/{plan_id}/review", _load(review), url))


@plan_app.command("allocate")
def plan_allocate(allocation_id: str, plan_id: str, month: str, amount_fen: int,
                  scheme: str = typer.Option("employee"), url: str = URL):
    """Finance allocates a month of the approved plan by the end of the month before (HO-18)."""
    _show(_call("finance", "POST", "/allocations", {"allocation_id": allocation_id, "plan_id": plan_id,
                                                     "month": month, "scheme": scheme, "amount_fen": amount_fen}, url))


@plan_app.command("disburse")
def plan_disburse(disbursement_id: str, plan_id: str, region: str, month: str, amount_fen: int,
                  scheme: str = typer.Option("employee"), url: str = URL):
    """The provincial center pays a city/county by the 5th, within the allocation (HO-19)."""
    _show(_call("hs_center", "POST", "/disbursements", {
        "disbursement_id": disbursement_id, "plan_id": plan_id, "region_code": region, "month": month,
        "scheme": scheme, "amount_fen": amount_fen}, url))


@plan_app.command("show")
def plan_show(quarter: str, url: str = URL):
    """A quarter's round: each region's plan, lateness, alerts, due dates and the approved split."""
    _show(_call("hs_center", "GET", f"/fund-use-plans/rounds/{quarter}", url=url))


@plan_app.command("list")
def plan_list(plan_id: str = typer.Option(None, help="Only this consolidated plan."), url: str = URL):
    """Disbursements made and, for one plan, what is still due and by when."""
    path = "/disbursements" + (f"?plan_id={plan_id}" if plan_id else "")
    _show(_call("hs_center", "GET", path, url=url))

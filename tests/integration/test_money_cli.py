"""`fundlink budget` and `fundlink plan` drive the real services and show where an item stands and what is due."""

import json

from helpers import wait_for
from typer.testing import CliRunner

from shared.cli import app

runner = CliRunner()


def run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def test_an_officer_moves_a_hengshui_budget_and_opens_a_plan_round(fleet, tmp_path, monkeypatch):
    for agency in ("hs_center", "healthcare_security", "finance"):
        fleet.start(agency)
    center, bureau, finance = (fleet.url(a, "") for a in ("hs_center", "healthcare_security", "finance"))
    code, out = run("budget", "list", "--at", "finance", "--url", finance)
    assert code == 1 and "401" in out and "no token" in out  # the CLI sends only the token it is given
    # One token per agency, as an officer's workstation holds them (<AGENCY>_FUNDLINK_TOKEN).
    monkeypatch.setenv("HS_CENTER_FUNDLINK_TOKEN", fleet.token("hs_center", "officer"))
    for agency in ("healthcare_security", "finance"):
        monkeypatch.setenv(f"{agency.upper()}_FUNDLINK_TOKEN", fleet.token(agency, "head"))
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps({"draft_id": "HS-2026", "year": 2026, "region_code": "131102", "region_level": "city",
                                 "schemes": [{"scheme": "employee", "revenue_fen": 500_00, "expenditure_fen": 450_00,
                                              "balance_fen": 50_00, "insured_person_count": 3}]}))
    assert run("budget", "compile", draft, "--url", center)[0] == 0
    code, out = run("budget", "submit", "HS-2026", "--url", center)
    assert code == 0 and '"status": "submitted"' in out
    wait_for(lambda: fleet.get("healthcare_security", "/budget-drafts/HS-2026").ok, message="the draft at the bureau")
    code, out = run("budget", "return", "HS-2026", "--as", "healthcare_security", "--url", bureau)
    assert code != 0 and "--reason" in out  # a return without a reason is refused before it is sent
    assert run("budget", "review", "HS-2026", "--as", "healthcare_security", "--url", bureau)[0] == 0
    wait_for(lambda: fleet.get("finance", "/budget-drafts/HS-2026").ok, message="the draft at finance")
    code, out = run("budget", "list", "--at", "finance", "--url", finance)
    assert code == 0 and "HS-2026" in out and "hs_reviewed" in out and "'finance'" in out
    code, out = run("budget", "sign", "HS-2026", "--agency", "market_regulation", "--url", finance)
    assert code != 0 and "--agency must be" in out
    assert run("budget", "review", "HS-2026", "--as", "finance", "--url", finance)[0] == 0
    # Hengshui's joint submission is finance's and the bureau's; the bureau signs at its own service, once
    # finance's progress notice has told it the joint step waits for it.
    wait_for(lambda: run("budget", "sign", "HS-2026", "--agency", "healthcare_security", "--url", bureau)[0] == 0,
             message="the bureau's signature")
    code, out = run("budget", "sign", "HS-2026", "--agency", "finance", "--url", finance)
    assert code == 0, out
    wait_for(lambda: fleet.get("finance", "/budget-drafts/HS-2026").json().get("state") == "jointly_submitted",
             message="the joint submission sent once both signed")

    code, out = run("plan", "round", "2026-Q3", "--region", "131102", "--region", "131121", "--url", center)
    assert code == 0
    shown = json.loads(run("plan", "show", "2026-Q3", "--url", center)[1])
    assert shown["plans_due"]["due_at"].startswith("2026-05-20T23:59:59")
    assert shown["consolidation_due"]["due_at"].startswith("2026-06-10T23:59:59")
    assert shown["regions"] == {"131102": None, "131121": None}

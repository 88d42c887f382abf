"""The money cycle's remaining hand-offs through the real bus: the budget-adjustment chain (HO-13) with a return
for revision, finance's side of the final accounts with the bureau's signed co-signature (HO-14), the treasury's
ten-day transfers (HO-06), the resident matching subsidy (HO-07) and the quarterly fund operation report (HO-20),
each with its missed deadline alerted. Governments, the standing committee and the treasury speak with their own
keys; the bureau and tax sign their steps with theirs.
"""

import json
from datetime import datetime

from helpers import metric_value, wait_for
from integration.money_helpers import PROVINCE, call, on_clock, party_inbox, send_as, take_one

from services.finance.service import FinanceService
from services.healthcare_security.service import HealthcareSecurityService
from services.hs_center.service import HsCenterService
from services.tax.service import TaxService
from shared.deadlines import SHANGHAI

CLOCK = {"now": datetime(2026, 5, 10, 9, 0, tzinfo=SHANGHAI)}
Finance, Center, Bureau = (on_clock(s, CLOCK) for s in (FinanceService, HsCenterService, HealthcareSecurityService))
Tax = on_clock(TaxService, CLOCK, attr="chain_clock")


def at(year, month, day, hour=10, minute=0):
    CLOCK["now"] = datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)
    return CLOCK["now"]


CITY = "460100"


def chain(fleet, kind, draft_id):
    r = fleet.get("finance", f"/approval-chains/{kind}/{draft_id}")
    return r.json() if r.ok else None


def wait_state(fleet, kind, draft_id, state, awaiting=None):
    def ready():
        c = chain(fleet, kind, draft_id)
        ok = c and c["state"] == state and (awaiting is None or (c["waiting_for"] or {}).get("by") == awaiting)
        return ok and c
    return wait_for(ready, message=f"{kind} {draft_id} at {state} waiting for {awaiting}")


def _bureau_chain(fleet, kind, draft_id):
    path = {"final_accounts": f"/final-accounts/{draft_id}", "budget": f"/budget-drafts/{draft_id}"}.get(kind)
    if path is None:  # adjustments are listed with the drafts the bureau tracks
        path = f"/approval-chains/{kind}/{draft_id}"
    r = fleet.get("healthcare_security", path)
    return (r.json().get("figures") or {}).get("chain") or {} if r.ok else {}


SCHEMES = [
    {"scheme": "employee", "revenue_fen": 80_000_000_00, "expenditure_fen": 75_000_000_00,
     "balance_fen": 5_000_000_00, "insured_person_count": 300_000},
]


def approved_city_budget(fleet, keys_dir, amqp_uri, draft_id):
    """Setup: a city budget the center executes. The approval chain itself is covered by test_money_year; here
    the center compiles, tax co-signs with its key, the center submits, and the congress's approval is recorded."""
    at(2025, 11, 1)
    call(fleet, "hs_center", "POST", "/budget-drafts", {"draft_id": draft_id, "year": 2026, "region_code": CITY,
                                                        "region_level": "city", "schemes": SCHEMES})
    send_as(keys_dir, amqp_uri, "tax", "fundlink.tax.budget_draft.revenue_confirmed.v1", {
        "draft_id": draft_id, "year": 2026, "region_code": CITY,
        "lines": [{"scheme": "employee", "revenue_fen": 80_000_000_00}],
        "confirmed_at": "2025-11-01T10:00:00+08:00"}, draft_id, region=CITY)
    wait_for(lambda: call(fleet, "hs_center", "GET", f"/budget-drafts/{draft_id}")["tax_cosigned"], message="tax")
    with fleet.database("hs_center").transaction() as session:  # stands for the chain of test_money_year
        from services.hs_center import money_models as mm
        row = session.get(mm.CenterBudgetDraft, draft_id)
        row.status = "approved"


def test_adjustment_chain_and_final_accounts_on_signed_events(fleet, keys_dir, amqp_uri):
    for agency, cls in (("finance", Finance), ("hs_center", Center), ("healthcare_security", Bureau), ("tax", Tax)):
        fleet.start(agency, cls)
    gov_queue = party_inbox(amqp_uri, "people_government", "fundlink.finance.final_accounts.joint_submission_sent.v1")
    draft_id, adj = "BUD-2026-460100", "ADJ-2026-460100-1"
    approved_city_budget(fleet, keys_dir, amqp_uri, draft_id)

    # HO-13: the center proposes; the bureau signs the local review, finance returns it with reasons.
    at(2026, 5, 10)
    call(fleet, "hs_center", "POST", "/budget-adjustments", {
        "adjustment_id": adj, "draft_id": draft_id, "reason": "dengue outbreak raises inpatient spending",
        "deltas": {"employee": [0, 50_000_000]}})
    wait_state(fleet, "adjustment", adj, "proposed", ["healthcare_security", "finance"])
    r = fleet.post("tax", f"/approval-chains/adjustment/{adj}/signature", json={"decision": "signed"}, role="head")
    assert r.status_code in (404, 409)  # tax has no part in the local review
    wait_for(lambda: "healthcare_security" in (_bureau_chain(fleet, "adjustment", adj).get("awaiting") or []),
             message="the bureau's copy of the chain")
    call(fleet, "healthcare_security", "POST", f"/approval-chains/adjustment/{adj}/signature", {"decision": "signed"},
         role="head")
    wait_state(fleet, "adjustment", adj, "proposed", ["finance"])
    r = fleet.post("finance", f"/approval-chains/adjustment/{adj}/decision", json={"decision": "returned"},
                   role="head")
    assert r.status_code == 409 and "reason" in r.json()["message"]
    call(fleet, "finance", "POST", f"/approval-chains/adjustment/{adj}/decision",
         {"decision": "returned", "reasons": "itemise the outbreak costs per hospital"}, role="head")
    back = wait_for(lambda: (a := call(fleet, "hs_center", "GET", f"/budget-adjustments/{adj}"))["status"]
                    == "returned" and a, message="the return at the center")
    assert "itemise" in back["history"][-1]["note"] and back["history"][-1]["by"] == "finance"

    # The center revises; the chain resumes at the local review, and every signatory signs the new figures.
    at(2026, 5, 14)
    call(fleet, "hs_center", "POST", f"/budget-adjustments/{adj}/revision", {
        "draft_id": draft_id, "reason": "dengue outbreak: 3 hospitals, itemised",
        "deltas": {"employee": [0, 40_000_000]}})
    wait_state(fleet, "adjustment", adj, "proposed", ["healthcare_security", "finance"])
    wait_for(lambda: _bureau_chain(fleet, "adjustment", adj).get("total_expenditure_fen") == 40_000_000,
             message="the revised figures at the bureau")
    call(fleet, "healthcare_security", "POST", f"/approval-chains/adjustment/{adj}/signature", {"decision": "signed"},
         role="head")
    wait_state(fleet, "adjustment", adj, "proposed", ["finance"])
    call(fleet, "finance", "POST", f"/approval-chains/adjustment/{adj}/decision", {"decision": "signed"}, role="head")
    wait_state(fleet, "adjustment", adj, "local_reviewed", ["people_government"])

    send_as(keys_dir, amqp_uri, "people_government", "fundlink.people_government.budget_adjustment.approved.v1", {
        "approval_id": "HK-GOV-2026-7", "adjustment_id": adj, "region_code": CITY, "government_level": "city",
        "decision": "agreed", "decided_at": "2026-05-16T10:00:00+08:00"}, adj, region=CITY)
    wait_state(fleet, "adjustment", adj, "local_government_agreed",
               ["provincial_healthcare_security", "provincial_tax", "provincial_finance"])

    # The provincial compilation: a city bureau may not sign it; the provincial tax, bureau and finance do.
    wait_for(lambda: _bureau_chain(fleet, "adjustment", adj).get("pending_step") == "province_compiled",
             message="the provincial step at the bureau")
    r = fleet.post("healthcare_security", f"/approval-chains/adjustment/{adj}/signature",
                   json={"decision": "signed"}, role="head")
    assert r.status_code == 409 and "provincial region code" in r.json()["message"]
    wait_for(lambda: fleet.get("tax", f"/approval-chains/adjustment/{adj}").json().get("pending_step")
             == "province_compiled", message="tax's copy of the chain")
    for agency in ("tax", "healthcare_security"):
        call(fleet, agency, "POST", f"/approval-chains/adjustment/{adj}/signature",
             {"decision": "signed", "signer_region_code": PROVINCE}, role="head")
    wait_state(fleet, "adjustment", adj, "local_government_agreed", ["provincial_finance"])
    call(fleet, "finance", "POST", f"/approval-chains/adjustment/{adj}/decision",
         {"decision": "signed", "signer_region_code": PROVINCE}, role="head")
    wait_state(fleet, "adjustment", adj, "province_compiled", ["provincial_people_government"])
    send_as(keys_dir, amqp_uri, "people_government", "fundlink.people_government.budget_adjustment.approved.v1", {
        "approval_id": "HN-GOV-2026-31", "adjustment_id": adj, "region_code": PROVINCE,
        "government_level": "province", "decision": "agreed", "decided_at": "2026-06-02T10:00:00+08:00"}, adj)
    wait_state(fleet, "adjustment", adj, "provincial_government", ["provincial_npc_standing_committee"])
    send_as(keys_dir, amqp_uri, "peoples_congress", "fundlink.peoples_congress.budget_adjustment.approved.v1", {
        "approval_id": "HNPC-SC-2026-12", "adjustment_id": adj, "decision": "approved",
        "approved_at": "2026-06-20T10:00:00+08:00"}, adj)
    done = wait_for(lambda: (a := call(fleet, "hs_center", "GET", f"/budget-adjustments/{adj}"))["status"]
                    == "approved" and a, message="the approval at the center")
    assert done["revision"] == 1 and done["proposal"]["delta_expenditure_fen"] == 40_000_000
    final = chain(fleet, "adjustment", adj)
    assert final["complete"] and final["state"] == "npc_standing_committee_approved"
    signers = [(h["by"], h["action"]) for h in final["history"] if h["action"] in ("signed", "approved")]
    assert ("provincial_tax", "signed") in signers and ("healthcare_security", "signed") in signers
    # The approved adjustment applies to the budget lines: original, adjustment and adjusted, in fen.
    budget = wait_for(lambda: (b := call(fleet, "hs_center", "GET", f"/budget-drafts/{draft_id}"))
                      ["adjustments_applied"] == [adj] and b, message="the adjustment applied at the center")
    assert budget["budget"] == [{
        "scheme": "employee",
        "original": {"revenue_fen": 80_000_000_00, "expenditure_fen": 75_000_000_00, "balance_fen": 5_000_000_00},
        "adjustment": {"revenue_fen": 0, "expenditure_fen": 40_000_000, "balance_fen": -40_000_000},
        "adjusted": {"revenue_fen": 80_000_000_00, "expenditure_fen": 75_000_000_00 + 40_000_000,
                     "balance_fen": 5_000_000_00 - 40_000_000}}]
    r = call(fleet, "hs_center", "POST", "/budget-execution-reports", {
        "report_id": "X-2026-Q2", "draft_id": draft_id, "quarter": "2026-Q2", "actuals": {"employee": [1, 1]}})
    assert r["report_id"] == "X-2026-Q2"
    report = wait_for(lambda: [n["data"] for n in call(fleet, "finance", "GET", "/notices")["notices"]
                               if n["kind"] == "execution_report"], message="the execution report at finance")
    assert report[-1]["lines"][0]["budget_expenditure_fen"] == 75_000_000_00 + 40_000_000  # the adjusted budget

    # A revenue change is proposed together with tax (004:25): it waits for tax's own signed co-signature.
    adj2 = "ADJ-2026-460100-2"
    proposal = call(fleet, "hs_center", "POST", "/budget-adjustments", {
        "adjustment_id": adj2, "draft_id": draft_id, "reason": "fewer employers pay after the factory closures",
        "deltas": {"employee": [-3_000_000, 0]}})
    assert proposal["status"] == "awaiting_tax" and "tax" in proposal["waiting"]
    r = fleet.post("tax", f"/budget-adjustments/{adj2}/cosignature", json={
        "region_code": CITY, "delta_revenue_fen": -3_000_000, "delta_expenditure_fen": 0, "decision": "returned"},
        role="head")
    assert r.status_code == 409 and "must say why" in r.json()["message"]
    call(fleet, "tax", "POST", f"/budget-adjustments/{adj2}/cosignature", {
        "region_code": CITY, "delta_revenue_fen": -3_000_000, "delta_expenditure_fen": 0, "decision": "returned",
        "reasons": "collection data show a fall of 2 million yuan, not 3"}, role="head")
    refused = wait_for(lambda: (a := call(fleet, "hs_center", "GET", f"/budget-adjustments/{adj2}"))["status"]
                       == "refused_by_tax" and a, message="tax's refusal at the center")
    assert "2 million" in refused["waiting"]
    at(2026, 7, 2)
    revised = call(fleet, "hs_center", "POST", f"/budget-adjustments/{adj2}/revision", {
        "draft_id": draft_id, "reason": "fewer employers pay after the factory closures",
        "deltas": {"employee": [-2_000_000, 0]}})
    assert revised["status"] == "awaiting_tax"
    call(fleet, "tax", "POST", f"/budget-adjustments/{adj2}/cosignature", {
        "region_code": CITY, "delta_revenue_fen": -2_000_000, "delta_expenditure_fen": 0, "decision": "signed"},
        role="head")
    wait_state(fleet, "adjustment", adj2, "proposed", ["healthcare_security", "finance"])
    sent = call(fleet, "hs_center", "GET", f"/budget-adjustments/{adj2}")
    assert sent["status"] in ("sent", "in_review") and sent["proposal"]["tax_cosigned"] is True
    assert sent["proposal"]["delta_revenue_fen"] == -2_000_000
    cosigned = [n for n in call(fleet, "finance", "GET", f"/approval-chains/adjustment/{adj2}")["history"]]
    assert cosigned[0]["action"] == "submitted"

    # HO-14: center → bureau → finance → joint (finance + the bureau's signed event) → government.
    at(2027, 3, 1)
    fa = "FA-2026-460100"
    call(fleet, "hs_center", "POST", "/final-accounts", {"draft_id": fa, "year": 2026, "region_code": CITY, "schemes": [
        {"scheme": "employee", "revenue_fen": 81_000_000_00, "expenditure_fen": 76_500_000_00,
         "rolling_balance_fen": 9_500_000_00}]})
    wait_for(lambda: fleet.get("healthcare_security", f"/final-accounts/{fa}").ok, message="final accounts at bureau")
    call(fleet, "healthcare_security", "POST", f"/final-accounts/{fa}/review", {"decision": "forwarded"}, role="head")
    wait_state(fleet, "final_accounts", fa, "hs_reviewed", ["finance"])
    call(fleet, "finance", "POST", f"/approval-chains/final_accounts/{fa}/decision", {"decision": "signed"},
         role="head")
    call(fleet, "finance", "POST", f"/approval-chains/final_accounts/{fa}/decision", {"decision": "signed"},
         role="head")
    wait_for(lambda: _bureau_chain(fleet, "final_accounts", fa).get("awaiting") == ["healthcare_security"],
             message="the joint step waiting for the bureau")
    call(fleet, "healthcare_security", "POST", f"/approval-chains/final_accounts/{fa}/signature",
         {"decision": "signed"}, role="head")
    sent = take_one(amqp_uri, gov_queue, "the final accounts at the government")
    payload = json.loads(sent.body)
    assert sent.headers["ce-signer"] == "finance"
    assert sorted(s["agency"] for s in payload["signatories"]) == ["finance", "healthcare_security"]
    assert payload["rolling_balance_fen"] == 9_500_000_00 and payload["total_revenue_fen"] == 81_000_000_00
    send_as(keys_dir, amqp_uri, "people_government", "fundlink.people_government.final_accounts.approved.v1", {
        "approval_id": "HK-GOV-2027-3", "draft_id": fa, "submission_id": payload["submission_id"], "year": 2026,
        "region_code": CITY, "decision": "approved", "requires_congress": False,
        "approved_at": "2027-03-20T10:00:00+08:00"}, fa, region=CITY)
    wait_state(fleet, "final_accounts", fa, "government_approved")
    wait_for(lambda: call(fleet, "healthcare_security", "GET", f"/final-accounts/{fa}")["status"]
             == "government_approved", message="the approval at the bureau")
    # No agency failed to handle any of it (e.g. finance with tax's co-signature of a proposal it has no chain for).
    for agency in ("finance", "hs_center", "healthcare_security", "tax"):
        assert metric_value(fleet, agency, "fundlink_handoff_last_failure_timestamp_seconds", direction="in") == 0, \
            agency


def test_treasury_transfers_and_resident_subsidy_with_missed_deadlines_alerted(fleet, keys_dir, amqp_uri):
    fleet.start("finance", Finance)
    treasury_queue = party_inbox(amqp_uri, "treasury", "fundlink.finance.premium_transfer.voucher_issued.v1")
    at(2026, 3, 11, 9)
    call(fleet, "finance", "POST", "/treasury-schedules",
         {"treasury_code": "T-460100", "region_code": CITY, "first_dekad": "2026-03-D1"})
    r = fleet.post("finance", "/premium-transfer-vouchers", json={
        "voucher_id": "V-0", "dekad": "2026-03-D2", "treasury_code": "T-460100", "region_code": CITY,
        "scheme": "employee", "amount_fen": 1})
    assert r.status_code == 409 and "after it ends" in r.json()["message"]
    call(fleet, "finance", "POST", "/premium-transfer-vouchers", {
        "voucher_id": "V-2026-03-D1", "dekad": "2026-03-D1", "treasury_code": "T-460100", "region_code": CITY,
        "scheme": "employee", "amount_fen": 12_345_678_91})
    voucher = take_one(amqp_uri, treasury_queue, "the voucher at the treasury")
    assert voucher.headers["ce-signer"] == "finance"
    send_as(keys_dir, amqp_uri, "treasury", "fundlink.treasury.premium.transferred.v1", {
        "voucher_id": "V-2026-03-D1", "transfer_id": "TR-88", "scheme": "employee", "amount_fen": 12_345_678_91,
        "to_account": "fiscal_special:employee", "value_date": "2026-03-12",
        "transferred_at": "2026-03-12T10:00:00+08:00"}, "V-2026-03-D1", region=CITY)
    wait_for(lambda: call(fleet, "finance", "GET", "/premium-transfer-vouchers")["vouchers"][0]["transferred"],
             message="the treasury's transfer at finance")
    assert call(fleet, "finance", "GET", "/accounts")["accounts"]["fiscal_special:employee"] == 12_345_678_91

    # HO-07: two cities owe the resident subsidy by 31 August; one pays.
    at(2026, 7, 1)
    call(fleet, "finance", "POST", "/resident-subsidies/rounds", {"year": 2026, "regions": [CITY, "460200"]})
    r = call(fleet, "finance", "POST", "/resident-subsidies", {
        "remittance_id": "RS-2026-460100", "year": 2026, "region_code": CITY, "insured_person_count": 500_000,
        "amount_fen": 3_000_000_00})
    assert r["late"] is False and r["to_account"] == "fiscal_special:resident"
    wait_for(lambda: call(fleet, "finance", "GET", "/resident-subsidies/2026")["remittances"][0]["confirmed"],
             message="the subsidy received and confirmed")

    # 2026-03-D2 (11-20 March) was never transferred: overdue once 1-10 April... and the subsidy on 1 September.
    at(2026, 9, 1, 0, 5)
    alerts = wait_for(lambda: {a["kind"] for a in call(fleet, "finance", "GET", "/deadlines")["alerts"]}
                      >= {"premium_transfer", "resident_subsidy"} and call(fleet, "finance", "GET", "/deadlines"),
                      message="the missed-deadline alerts")
    missed = {(a["kind"], a["what"]) for a in alerts["alerts"]}
    assert ("resident_subsidy", "resident matching subsidy 2026 from 460200") in missed
    assert ("premium_transfer", "premium transfer 2026-03-D2 from treasury T-460100") in missed
    assert ("premium_transfer", "premium transfer 2026-03-D1 from treasury T-460100") not in missed
    assert metric_value(fleet, "finance", "fundlink_deadlines_overdue", kind="resident_subsidy") == 1
    assert metric_value(fleet, "finance", "fundlink_deadlines_overdue", kind="premium_transfer") >= 1
    assert call(fleet, "finance", "GET", "/accounts")["accounts"]["fiscal_special:resident"] == 3_000_000_00


def test_quarterly_fund_operation_report_goes_up_and_a_silent_city_is_alerted(fleet, keys_dir, amqp_uri):
    for agency, cls in (("finance", Finance), ("hs_center", Center), ("healthcare_security", Bureau)):
        fleet.start(agency, cls)
    at(2026, 3, 25)
    call(fleet, "hs_center", "POST", "/fund-operation-reports/rounds",
         {"quarter": "2026-Q1", "expected_regions": [CITY, "460200"]})
    line = {"scheme": "employee", "revenue_fen": 20_000_000_00, "expenditure_fen": 18_000_000_01,
            "rolling_balance_fen": 6_000_000_00, "insured_person_count": 310_000}
    r = fleet.post("hs_center", "/fund-operation-reports", json={
        "report_id": "FO-Q1-460100", "quarter": "2026-Q1", "region_code": CITY, "region_level": "city",
        "lines": [line]})
    assert r.status_code == 409 and "has not ended" in r.json()["message"]
    at(2026, 4, 8)
    call(fleet, "hs_center", "POST", "/fund-operation-reports", {
        "report_id": "FO-Q1-460100", "quarter": "2026-Q1", "region_code": CITY, "region_level": "city",
        "lines": [line]})
    wait_for(lambda: (call(fleet, "hs_center", "GET", "/fund-operation-reports/rounds/2026-Q1")["regions"][CITY]
                      or {}).get("received"), message="the city report at the provincial center")
    r = fleet.post("hs_center", "/fund-operation-reports/consolidations",
                   json={"report_id": "FO-Q1-460000", "quarter": "2026-Q1"})
    assert r.status_code == 409 and "460200 may still report" in r.json()["message"]

    at(2026, 4, 16, 0, 5)
    rnd = wait_for(lambda: (x := call(fleet, "hs_center", "GET", "/fund-operation-reports/rounds/2026-Q1"))["alerts"]
                   and x, message="the late-report alert")
    assert [a["region_code"] for a in rnd["alerts"]] == ["460200"]
    assert metric_value(fleet, "hs_center", "fundlink_deadlines_overdue", kind="fund_operation_report") == 1
    out = call(fleet, "hs_center", "POST", "/fund-operation-reports/consolidations",
               {"report_id": "FO-Q1-460000", "quarter": "2026-Q1"})
    assert out["missing_regions"] == ["460200"] and out["lines"][0]["expenditure_fen"] == 18_000_000_01
    for agency in ("finance", "healthcare_security"):
        reports = wait_for(lambda a=agency: [x for x in call(fleet, a, "GET", "/fund-operation-reports")["reports"]
                                             if x["region_level"] == "province"],
                           message=f"the provincial report at {agency}")
        assert reports[0]["report_id"] == "FO-Q1-460000" and reports[0]["lines"] == out["lines"]

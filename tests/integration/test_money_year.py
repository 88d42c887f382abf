"""One fiscal year of the fund's money cycle for a province with three cities, through the real bus.

The budget goes through the whole Hainan chain (center + tax → bureau → finance → joint submission →
government → congress → filing), with one return for revision; four quarterly plans are submitted, one
city late and alerted; twelve monthly allocations and their disbursements are made; the totals reconcile
to the fen. The government, the congress and tax speak with their own keys; the bureau and tax sign the joint
submission with theirs, at their own services, and finance sends it only when every signature has arrived.
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

CLOCK = {"now": datetime(2025, 10, 15, 9, 0, tzinfo=SHANGHAI)}

Finance, Center, Bureau = (on_clock(s, CLOCK) for s in (FinanceService, HsCenterService, HealthcareSecurityService))
Tax = on_clock(TaxService, CLOCK, attr="chain_clock")


def at(year, month, day, hour=10):
    CLOCK["now"] = datetime(year, month, day, hour, 0, tzinfo=SHANGHAI)
    return CLOCK["now"]


CITIES = ("460100", "460200", "460400")
DRAFT = "BUD-2026-460000"
JOINT = "fundlink.finance.budget.joint_submission_sent.v1"


SCHEMES = [
    {"scheme": "employee", "revenue_fen": 1_250_000_000_00, "expenditure_fen": 1_180_000_000_00,
     "balance_fen": 70_000_000_00, "insured_person_count": 2_100_000},
    {"scheme": "resident", "revenue_fen": 620_000_000_00, "expenditure_fen": 600_000_000_00,
     "balance_fen": 20_000_000_00, "insured_person_count": 6_900_000},
]


def tax_sees_finance(fleet):
    """Tax's copy of the chain has caught up with finance's (its last progress notice is the latest)."""
    def caught_up():
        latest = len(call(fleet, "finance", "GET", f"/budget-drafts/{DRAFT}")["history"])
        copy = fleet.get("tax", f"/approval-chains/budget/{DRAFT}")
        return copy.ok and copy.json().get("sequence") == latest and copy.json()
    assert wait_for(caught_up, message="tax's copy of the chain")["awaiting"] == ["healthcare_security", "tax"]


def run_budget_chain(fleet, keys_dir, amqp_uri, gov_queue):
    at(2025, 10, 15)
    call(fleet, "hs_center", "POST", "/budget-drafts", {"draft_id": DRAFT, "year": 2026, "region_code": PROVINCE,
                                                         "region_level": "province", "schemes": SCHEMES})
    # Without tax's co-signature the center may not submit (Hainan, 004:22).
    r = fleet.post("hs_center", f"/budget-drafts/{DRAFT}/submit", timeout=10)
    assert r.status_code == 409 and "co-signature" in r.json()["message"]
    revenue = [{"scheme": s["scheme"], "revenue_fen": s["revenue_fen"]} for s in SCHEMES]
    send_as(keys_dir, amqp_uri, "tax", "fundlink.tax.budget_draft.revenue_confirmed.v1", {
        "draft_id": DRAFT, "year": 2026, "region_code": PROVINCE, "lines": revenue,
        "confirmed_at": "2025-10-16T10:00:00+08:00"}, DRAFT)
    wait_for(lambda: call(fleet, "hs_center", "GET", f"/budget-drafts/{DRAFT}")["tax_cosigned"], message="tax sign")
    call(fleet, "hs_center", "POST", f"/budget-drafts/{DRAFT}/submit")
    wait_for(lambda: fleet.get("healthcare_security", f"/budget-drafts/{DRAFT}").ok,
             message="the draft at the bureau")

    # The bureau returns it: resident spending is underestimated. The center revises and resubmits.
    at(2025, 10, 20)
    r = fleet.post("healthcare_security", f"/budget-drafts/{DRAFT}/review",
                      json={"decision": "returned"}, timeout=10)
    assert r.status_code == 409 and "must say why" in r.json()["message"]
    call(fleet, "healthcare_security", "POST", f"/budget-drafts/{DRAFT}/review",
         {"decision": "returned", "comments": "resident expenditure ignores the 2025 price rise"})
    back = wait_for(lambda: (d := call(fleet, "hs_center", "GET", f"/budget-drafts/{DRAFT}"))["status"] == "drafting"
                    and d, message="the return at the center")
    assert back["revision"] == 1 and "price rise" in back["returned_reasons"][0]
    SCHEMES[1] = {**SCHEMES[1], "expenditure_fen": 612_000_000_00, "balance_fen": 8_000_000_00}
    call(fleet, "hs_center", "PUT", f"/budget-drafts/{DRAFT}/lines", {"schemes": SCHEMES})
    assert call(fleet, "hs_center", "GET", f"/budget-drafts/{DRAFT}")["tax_cosigned"]  # revenue unchanged
    call(fleet, "hs_center", "POST", f"/budget-drafts/{DRAFT}/submit")
    wait_for(lambda: call(fleet, "healthcare_security", "GET", f"/budget-drafts/{DRAFT}")["status"]
             == "awaiting_review", message="the resubmission at the bureau")
    at(2025, 10, 25)
    call(fleet, "healthcare_security", "POST", f"/budget-drafts/{DRAFT}/review", {"decision": "forwarded"})
    draft = wait_for(lambda: (r := fleet.get("finance", f"/budget-drafts/{DRAFT}")).ok
                     and r.json()["state"] == "hs_reviewed" and r.json(), message="the forwarded draft at finance")
    assert draft["total_expenditure_fen"] == 1_180_000_000_00 + 612_000_000_00

    at(2025, 10, 28)
    call(fleet, "finance", "POST", f"/budget-drafts/{DRAFT}/review", {"decision": "agreed"})
    wait_for(lambda: call(fleet, "healthcare_security", "GET", f"/budget-drafts/{DRAFT}")["status"]
             == "finance_agreed", message="finance's review at the bureau")
    # Finance asks; it records only its own signature. The bureau and tax sign with their own keys.
    r = fleet.post("finance", f"/budget-drafts/{DRAFT}/signatures", json={"agency": "tax"}, timeout=10)
    assert r.status_code == 409 and "own key" in r.json()["message"]
    state = call(fleet, "finance", "POST", f"/budget-drafts/{DRAFT}/signatures", {"agency": "finance"})
    assert state["state"] == "finance_reviewed" and state["waiting_for"]["by"] == ["healthcare_security", "tax"]
    tax_sees_finance(fleet)

    # Tax returns the joint submission, with reasons: the draft goes back to the center, and after the
    # resubmission the chain resumes at the joint step, where every signatory signs again.
    at(2025, 10, 29)
    r = fleet.post("tax", f"/approval-chains/budget/{DRAFT}/signature", json={"decision": "returned"}, role="head")
    assert r.status_code == 409 and "must say why" in r.json()["message"]
    call(fleet, "tax", "POST", f"/approval-chains/budget/{DRAFT}/signature",
         {"decision": "returned", "reasons": "employee revenue must use the 2026 contribution base"}, role="head")
    back = wait_for(lambda: (d := call(fleet, "hs_center", "GET", f"/budget-drafts/{DRAFT}"))["status"] == "drafting"
                    and d, message="tax's return at the center")
    assert back["revision"] == 2 and "2026 contribution base" in back["returned_reasons"][0]
    call(fleet, "hs_center", "POST", f"/budget-drafts/{DRAFT}/submit")  # the base was right: same figures
    wait_for(lambda: call(fleet, "healthcare_security", "GET", f"/budget-drafts/{DRAFT}")["status"]
             == "awaiting_review", message="the resubmission at the bureau")
    call(fleet, "healthcare_security", "POST", f"/budget-drafts/{DRAFT}/review", {"decision": "forwarded"})
    wait_for(lambda: call(fleet, "finance", "GET", f"/budget-drafts/{DRAFT}")["waiting_for"]["by"]
             == ["finance", "healthcare_security", "tax"], message="the joint step open again at finance")
    call(fleet, "finance", "POST", f"/budget-drafts/{DRAFT}/signatures", {"agency": "finance"})
    tax_sees_finance(fleet)
    call(fleet, "tax", "POST", f"/approval-chains/budget/{DRAFT}/signature", {"decision": "signed"}, role="head")
    wait_for(lambda: call(fleet, "finance", "GET", f"/budget-drafts/{DRAFT}")["waiting_for"]["by"]
             == ["healthcare_security"], message="tax's signature at finance")
    wait_for(lambda: (call(fleet, "healthcare_security", "GET", f"/budget-drafts/{DRAFT}")["figures"].get("chain")
                      or {}).get("awaiting") == ["healthcare_security"], message="the joint step at the bureau")
    call(fleet, "healthcare_security", "POST", f"/approval-chains/budget/{DRAFT}/signature", {"decision": "signed"},
         role="head")
    state = wait_for(lambda: (d := call(fleet, "finance", "GET", f"/budget-drafts/{DRAFT}"))["state"]
                     == "jointly_submitted" and d, message="the joint submission")
    assert state["waiting_for"]["by"] == ["people_government"]
    sent = take_one(amqp_uri, gov_queue, "the joint submission at the government")
    payload = json.loads(sent.body)
    assert sorted(s["agency"] for s in payload["signatories"]) == ["finance", "healthcare_security", "tax"]
    assert sent.headers["ce-signer"] == "finance"

    at(2025, 11, 3)
    send_as(keys_dir, amqp_uri, "people_government", "fundlink.people_government.budget.approved.v1", {
        "approval_id": "HNGOV-2025-88", "draft_id": DRAFT, "submission_id": payload["submission_id"], "year": 2026,
        "region_code": PROVINCE, "decision": "approved", "requires_congress": True,
        "approving_body": "Hainan provincial people's government", "approved_at": "2025-11-03T10:00:00+08:00"},
        DRAFT)
    wait_for(lambda: call(fleet, "finance", "GET", f"/budget-drafts/{DRAFT}")["state"] == "government_approved",
             message="the government's approval at finance")
    assert call(fleet, "hs_center", "GET", f"/budget-drafts/{DRAFT}")["status"] == "submitted"  # congress next
    at(2025, 11, 8)
    send_as(keys_dir, amqp_uri, "peoples_congress", "fundlink.peoples_congress.budget.approved.v1", {
        "approval_id": "HNPC-2026-3", "draft_id": DRAFT, "year": 2026, "region_code": PROVINCE, "decision": "approved",
        "approving_body": "congress", "approved_at": "2025-11-08T10:00:00+08:00"}, DRAFT)
    wait_for(lambda: call(fleet, "hs_center", "GET", f"/budget-drafts/{DRAFT}")["status"] == "approved",
             message="the congress approval at the center")
    wait_for(lambda: call(fleet, "healthcare_security", "GET", f"/budget-drafts/{DRAFT}")["status"]
             == "congress_approved", message="the congress approval at the bureau")
    wait_for(lambda: call(fleet, "finance", "GET", f"/budget-drafts/{DRAFT}")["state"] == "congress_approved",
             message="the congress approval at finance")
    done = call(fleet, "finance", "POST", f"/budget-drafts/{DRAFT}/review", {"decision": "agreed"})  # filing
    assert done["state"] == "filed_with_province" and done["complete"]
    for agency in ("finance", "hs_center", "healthcare_security", "tax"):  # every signed event was taken as sent
        assert metric_value(fleet, agency, "fundlink_handoff_last_failure_timestamp_seconds", direction="in") == 0, \
            agency


def city_amount(city, month):
    return {"460100": 31_000_000_00, "460200": 17_500_000_00, "460400": 9_250_000_33}[city] + int(month[-2:]) * 101


QUARTERS = {  # plan quarter -> (year, first month of the quarter it is applied in)
    "2026-Q1": (2025, 10), "2026-Q2": (2026, 1), "2026-Q3": (2026, 4), "2026-Q4": (2026, 7),
}
LATE = ("2026-Q2", "460400")


def run_quarter(fleet, quarter):
    year, first = QUARTERS[quarter]
    months = [f"{quarter[:4]}-{3 * (int(quarter[-1]) - 1) + i:02d}" for i in (1, 2, 3)]
    call(fleet, "hs_center", "POST", "/fund-use-plans/rounds", {"quarter": quarter, "expected_regions": list(CITIES)})
    at(year, first + 1, 12)
    for city in CITIES:
        if (quarter, city) == LATE:
            continue
        r = call(fleet, "hs_center", "POST", "/fund-use-plans", {
            "plan_id": f"P-{quarter}-{city}", "quarter": quarter, "region_code": city, "basis": f"budget {DRAFT}",
            "lines": [{"month": m, "scheme": "employee", "amount_fen": city_amount(city, m)} for m in months]})
        assert r["late"] is False and r["deadline"]["due_at"].startswith(f"{year}-{first + 1:02d}-20T23:59:59")
    if quarter == LATE[0]:
        at(year, first + 1, 21)  # the deadline has passed: the watch raises the alert by itself
        alert = wait_for(lambda: call(fleet, "hs_center", "GET", f"/fund-use-plans/rounds/{quarter}")["alerts"],
                         message="the late-plan alert")
        assert [(a["kind"], a["region_code"]) for a in alert] == [("fund_use_plan_late", LATE[1])]
        assert metric_value(fleet, "hs_center", "fundlink_deadlines_overdue", kind="fund_use_plan") >= 1
        at(year, first + 1, 25)
        r = call(fleet, "hs_center", "POST", "/fund-use-plans", {
            "plan_id": f"P-{quarter}-{LATE[1]}", "quarter": quarter, "region_code": LATE[1], "basis": "late",
            "lines": [{"month": m, "scheme": "employee", "amount_fen": 1} for m in months]})
        assert r["late"] is True
    def all_received():
        regions = call(fleet, "hs_center", "GET", f"/fund-use-plans/rounds/{quarter}")["regions"]
        return all(v is not None and v["received"] for v in regions.values())
    wait_for(all_received, message="the plans at the provincial center")
    at(year, first + 2, 5)
    plan_id = f"C-{quarter}"
    r = call(fleet, "hs_center", "POST", "/fund-use-plans/consolidations", {"plan_id": plan_id, "quarter": quarter})
    assert r["late"] is False
    assert r["missing_regions"] == ([LATE[1]] if quarter == LATE[0] else [])
    review = wait_for(lambda: (x := fleet.get("finance", f"/fund-use-plans/{plan_id}")).ok and x.json(),
                      message="the consolidated plan at finance")
    at(year, first + 2, 20)
    approved = []
    for line in review["requested"]:
        amount, reason = line["amount_fen"], ""
        if quarter == "2026-Q3" and line["region_code"] == "460200" and line["month"] == months[0]:
            amount, reason = amount - 2_000_000_00, "one-off equipment purchase is not a fund expense"
        approved.append({**line, "amount_fen": amount, "reason": reason})
    if quarter == "2026-Q3":  # an adjusted amount must carry a reason (004:35)
        bare = [{**ln, "reason": ""} for ln in approved]
        r = fleet.post("finance", f"/fund-use-plans/{plan_id}/review",
                          json={"reviewed_by": ["finance", "healthcare_security"], "approved_lines": bare}, timeout=10)
        assert r.status_code == 409 and "adjustment reason" in r.json()["message"]
    r = call(fleet, "finance", "POST", f"/fund-use-plans/{plan_id}/review",
             {"reviewed_by": ["finance", "healthcare_security"], "approved_lines": approved})
    assert r["decision"] == ("adjusted" if quarter == "2026-Q3" else "approved")
    wait_for(lambda: call(fleet, "hs_center", "GET", f"/fund-use-plans/rounds/{quarter}")["consolidation"]["status"]
             != "consolidated", message="the approved split at the center")
    return plan_id, months, approved


def allocate_and_disburse(fleet, plan_id, months, approved):
    for month in months:
        y, m = int(month[:4]), int(month[5:])
        py, pm = (y - 1, 12) if m == 1 else (y, m - 1)
        at(py, pm, 26)
        total = sum(ln["amount_fen"] for ln in approved if ln["month"] == month)
        r = call(fleet, "finance", "POST", "/allocations", {"allocation_id": f"A-{month}", "plan_id": plan_id,
                                                            "month": month, "scheme": "employee",
                                                            "amount_fen": total})
        assert r["late"] is False and r["remaining_fen"] == 0
        wait_for(lambda m=month: [a for a in call(fleet, "finance", "GET", f"/allocations?plan_id={plan_id}")
                                  ["allocations"] if a["month"] == m and a["received_on"]],
                 message=f"the center's receipt of {month}")
        at(y, m, 3)
        for line in (ln for ln in approved if ln["month"] == month):
            r = call(fleet, "hs_center", "POST", "/disbursements", {
                "disbursement_id": f"D-{month}-{line['region_code']}", "plan_id": plan_id,
                "region_code": line["region_code"], "month": month, "scheme": "employee",
                "amount_fen": line["amount_fen"]})
            assert r["late"] is False


def test_one_fiscal_year_through_the_bus(fleet, keys_dir, amqp_uri):
    for agency, cls in (("finance", Finance), ("hs_center", Center), ("healthcare_security", Bureau), ("tax", Tax)):
        fleet.start(agency, cls)
    gov_queue = party_inbox(amqp_uri, "people_government", JOINT)  # the government runs no service
    run_budget_chain(fleet, keys_dir, amqp_uri, gov_queue)

    funded = 1_000_000_000_00
    call(fleet, "finance", "POST", "/accounts", {"account": "fiscal_special:employee", "amount_fen": funded})
    approved_total, plans = 0, []
    for quarter in QUARTERS:
        plan_id, months, approved = run_quarter(fleet, quarter)
        allocate_and_disburse(fleet, plan_id, months, approved)
        approved_total += sum(ln["amount_fen"] for ln in approved)
        plans.append(plan_id)

    # Every disbursement reached its city and was confirmed back: 3 cities x 12 months, less the late one's quarter.
    def all_confirmed():
        rows = call(fleet, "hs_center", "GET", "/disbursements")["disbursements"]
        return len(rows) == 33 and all(d["confirmed"] and d["received_on"] for d in rows) and rows
    disbursements = wait_for(all_confirmed, timeout=60, message="33 confirmed disbursements")
    allocations = call(fleet, "finance", "GET", "/allocations")["allocations"]
    assert len(allocations) == 12 and all(a["received_on"] for a in allocations)

    allocated = sum(a["amount_fen"] for a in allocations)
    paid = sum(d["amount_fen"] for d in disbursements)
    assert allocated == paid == approved_total
    accounts = call(fleet, "finance", "GET", "/accounts")["accounts"]
    assert accounts == {"fiscal_special:employee": funded - allocated, "provincial_expenditure:employee": allocated}
    center = call(fleet, "hs_center", "GET", "/expenditure-accounts")["accounts"]
    assert center.pop("provincial_expenditure:employee") == 0
    for city in CITIES:
        owed = sum(d["amount_fen"] for d in disbursements if d["region_code"] == city)
        assert center[f"expenditure:{city}:employee"] == owed
    assert sum(center.values()) == allocated
    # The late city got nothing for its late quarter and its alert stands.
    assert not [d for d in disbursements if d["region_code"] == LATE[1] and d["plan_id"] == "C-2026-Q2"]
    for plan_id in plans:
        assert call(fleet, "hs_center", "GET", f"/disbursements?plan_id={plan_id}")["open"] == []

"""Deficit sharing (HO-40), whistle-blower rewards (HO-32), long-term-care funding (HO-41) and the center's
execution, adjustment and final-accounts hand-offs (HO-12…HO-14), through the real bus."""

from datetime import datetime

from helpers import outbox_rows, publish_envelope, signed, wait_for
from integration.money_helpers import call, on_clock, party_inbox, take

from services.finance.service import FinanceService
from services.healthcare_security.service import HealthcareSecurityService
from services.hs_center.service import HsCenterService
from shared.deadlines import SHANGHAI

CLOCK = {"now": datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)}

Finance, Center, Bureau = (on_clock(s, CLOCK) for s in (FinanceService, HsCenterService, HealthcareSecurityService))


POSITION = {"proposal_id": "DS-2026-1", "year": 2026, "rolling_balance_fen": 4_000_000_000_01,
            "avg_monthly_expenditure_fen": 1_000_000_000_00}


def test_deficit_sharing_is_refused_without_a_ratio_and_split_to_the_fen_with_one(fleet, keys_dir, amqp_uri):
    fleet.start("finance", Finance)
    gov = party_inbox(amqp_uri, "people_government", "fundlink.finance.deficit_sharing.proposed.v1")
    r = fleet.post("finance", "/deficit-sharing/proposals", json=POSITION, timeout=10)
    assert r.status_code == 409
    assert "no sharing ratio is configured for 2026" in r.json()["message"]
    assert outbox_rows(fleet.database("finance")) == []

    weights = {"province": "0.5", "460100": "0.3", "460200": "0.15", "460400": "0.05"}
    call(fleet, "finance", "PUT", "/deficit-sharing/ratios/2026",
         {"weights": weights, "source": "琼府〔2026〕12号 (test)"})
    sent = call(fleet, "finance", "POST", "/deficit-sharing/proposals", POSITION)["proposals"]
    (proposal,) = sent
    shortfall = 6 * POSITION["avg_monthly_expenditure_fen"] - POSITION["rolling_balance_fen"]
    assert proposal["shortfall_fen"] == shortfall == 1_999_999_999_99
    shares = {s["region_code"]: s["amount_fen"] for s in proposal["region_shares"]}
    assert proposal["province_share_fen"] + sum(shares.values()) == shortfall
    # Largest remainder on fen: 0.5/0.3/0.15/0.05 of 199,999,999,999 leaves 3 fen for the largest fractions.
    assert shares == {"460100": 600_000_000_00, "460200": 300_000_000_00, "460400": 100_000_000_00}
    assert proposal["province_share_fen"] == 999_999_999_99
    assert proposal["months_payable"] == "4.0000"
    headers, body = take(amqp_uri, gov)
    assert headers["ce-signer"] == "finance" and body["ratio_source"].startswith("琼府")

    # The government approves; a city pays its share into the special account.
    publish_envelope(amqp_uri, signed(keys_dir, "people_government",
                                      "fundlink.people_government.deficit_sharing.approved.v1", {
                                          "proposal_id": "DS-2026-1", "approval_id": "GOV-DS-1",
                                          "decision": "approved", "province_share_fen": body["province_share_fen"],
                                          "region_shares": body["region_shares"],
                                          "approved_at": "2026-03-05T10:00:00+08:00"}, subject="DS-2026-1"))
    wait_for(lambda: call(fleet, "finance", "GET", "/deficit-sharing/proposals/DS-2026-1")["status"] == "approved",
             message="the government's approval")
    publish_envelope(amqp_uri, signed(keys_dir, "people_government", "fundlink.people_government.deficit_share.paid.v1",
                                      {"payment_id": "PAY-1", "proposal_id": "DS-2026-1", "region_code": "460200",
                                       "amount_fen": shares["460200"], "to_account": "fiscal_special:resident",
                                       "paid_on": "2026-03-20"}, subject="DS-2026-1", region="460200"))
    wait_for(lambda: call(fleet, "finance", "GET", "/accounts")["accounts"].get("fiscal_special:resident")
             == shares["460200"], message="the share credited")


def test_out_of_budget_gap_is_borne_by_the_city_that_caused_it(fleet):
    fleet.start("finance", Finance)
    call(fleet, "finance", "PUT", "/deficit-sharing/ratios/2026", {"weights": {"province": "1"}, "source": "cfg"})
    body = {**POSITION, "proposal_id": "DS-2026-2", "rolling_balance_fen": 9_000_000_000_00,
            "out_of_budget_gaps": {"460400": 12_345_67}}
    (proposal,) = call(fleet, "finance", "POST", "/deficit-sharing/proposals", body)["proposals"]
    assert proposal["trigger"] == "out_of_budget_gap" and proposal["province_share_fen"] == 0
    assert proposal["region_shares"] == [{"region_code": "460400", "amount_fen": 12_345_67}]


def reward(reward_id, collect_by="2026-03-04"):
    return {"reward_id": reward_id, "report_id": "RPT-9", "region_code": "460100", "loss_amount_fen": 5_000_000,
            "reward_amount_fen": 250_000, "notice_served_at": "2026-03-02T09:00:00+08:00",
            "collect_by": collect_by, "approved_at": "2026-03-01T16:00:00+08:00"}


def test_finance_funds_an_approved_reward_once_and_not_after_it_is_waived(fleet, keys_dir, amqp_uri):
    fleet.start("finance", Finance)
    bureau = party_inbox(amqp_uri, "healthcare_security", "fundlink.finance.reward.paid.v1")
    for reward_id in ("RW-1", "RW-2"):
        publish_envelope(amqp_uri, signed(keys_dir, "healthcare_security",
                                          "fundlink.healthcare_security.reward.approved.v1", reward(reward_id),
                                          subject=reward_id))
    wait_for(lambda: fleet.get("finance", "/rewards/RW-2").ok, message="the rewards at finance")
    CLOCK["now"] = datetime(2026, 3, 3, 11, 0, tzinfo=SHANGHAI)
    paid = call(fleet, "finance", "POST", "/rewards/RW-1/payment", {"payment_ref": "FIN-PAY-77"})
    assert paid == {"reward_id": "RW-1", "status": "paid", "amount_fen": 250_000}
    headers, body = take(amqp_uri, bureau)
    assert headers["ce-type"] == "fundlink.finance.reward.paid.v1"
    assert body["amount_fen"] == 250_000 and body["payment_ref"] == "FIN-PAY-77"
    r = fleet.post("finance", "/rewards/RW-1/payment", json={"payment_ref": "again"}, timeout=10)
    assert r.status_code == 409 and "do not pay it twice" in r.json()["message"]
    CLOCK["now"] = datetime(2026, 3, 5, 9, 0, tzinfo=SHANGHAI)  # past RW-2's collection day
    r = fleet.post("finance", "/rewards/RW-2/payment", json={"payment_ref": "late"}, timeout=10)
    assert r.status_code == 409 and "deemed waived" in r.json()["message"]
    assert len(outbox_rows(fleet.database("finance"), "fundlink.finance.reward.paid.v1")) == 1
    # The bureau's forfeiture (HO-32) closes it at finance: no longer owed, never paid.
    assert fleet.get("finance", "/rewards/RW-2").json()["status"] == "awaiting_payment"
    forfeited = "fundlink.healthcare_security.reward.forfeited.v1"
    publish_envelope(amqp_uri, signed(keys_dir, "healthcare_security", forfeited,
                                      {"reward_id": "RW-2", "report_id": "RPT-9", "collect_by": "2026-03-04",
                                       "forfeited_at": "2026-03-05T00:00:05+08:00"}, subject="RW-2"))
    rw2 = wait_for(lambda: (r := fleet.get("finance", "/rewards/RW-2").json())["status"] == "forfeited"
                   and r, message="finance to record the forfeiture")
    assert datetime.fromisoformat(rw2["forfeited_at"]) == datetime(2026, 3, 5, 0, 0, 5, tzinfo=SHANGHAI)


def test_long_term_care_funding_reaches_the_city_special_account(fleet):
    fleet.start("finance", Finance)
    fleet.start("hs_center", Center)
    CLOCK["now"] = datetime(2026, 1, 20, 10, 0, tzinfo=SHANGHAI)
    for part in ("personal", "pool_fund"):
        r = call(fleet, "hs_center", "POST", "/ltc-contributions", {
            "transfer_id": f"LTC-{part}", "year": 2026, "region_code": "320829", "part": part,
            "insured_person_count": 1000, "to_account": "city_special:huaian"})
        assert r["late"] is False and r["amount_fen"] == {"personal": 10_000_00, "pool_fund": 60_000_00}[part]
    CLOCK["now"] = datetime(2026, 4, 2, 10, 0, tzinfo=SHANGHAI)
    r = call(fleet, "finance", "POST", "/ltc-subsidies", {
        "remittance_id": "LTC-F-2026", "year": 2026, "region_code": "320829", "insured_person_count": 1000,
        "amount_fen": 10_000_00, "to_account": "city_special:huaian"})
    assert r["late"] is True and r["deadline"]["due_at"].startswith("2026-03-31")
    bad = fleet.post("finance", "/ltc-subsidies", json={
        "remittance_id": "LTC-F-x", "year": 2026, "region_code": "320829", "insured_person_count": 1000,
        "amount_fen": 9_000_00, "to_account": "city_special:huaian"}, timeout=10)
    assert bad.status_code == 409 and "10 yuan each" in bad.json()["message"]
    status = wait_for(lambda: (s := call(fleet, "finance", "GET", "/ltc/2026"))["open"] == [] and s,
                      message="all three LTC parts received")
    assert sum(d["amount_fen"] for d in status["received"]) == 80_000_00  # 80 yuan a person


def test_execution_report_adjustment_and_final_accounts_leave_the_center(fleet, keys_dir, amqp_uri):
    fleet.start("finance", Finance)
    fleet.start("healthcare_security", Bureau)
    fleet.start("hs_center", Center)
    CLOCK["now"] = datetime(2026, 1, 5, 10, 0, tzinfo=SHANGHAI)
    schemes = [{"scheme": "employee", "revenue_fen": 900_00, "expenditure_fen": 800_00, "balance_fen": 100_00,
                "insured_person_count": 10}]
    call(fleet, "hs_center", "POST", "/budget-drafts", {"draft_id": "B-HS", "year": 2026, "region_code": "131102",
                                                         "region_level": "city", "schemes": schemes})
    r = fleet.post("hs_center", "/budget-execution-reports", json={
        "report_id": "X-0", "draft_id": "B-HS", "quarter": "2026-Q1", "actuals": {"employee": [1, 1]}}, timeout=10)
    assert r.status_code == 409 and "approved budget" in r.json()["message"]
    call(fleet, "hs_center", "POST", "/budget-drafts/B-HS/submit")  # Hengshui: no tax co-signature needed
    wait_for(lambda: fleet.get("healthcare_security", "/budget-drafts/B-HS").ok, message="at bureau")
    publish_envelope(amqp_uri, signed(keys_dir, "people_government", "fundlink.people_government.budget.approved.v1", {
        "approval_id": "HS-GOV-1", "draft_id": "B-HS", "submission_id": "none", "year": 2026,
        "region_code": "131102", "decision": "approved", "requires_congress": False,
        "approving_body": "Hengshui city government", "approved_at": "2026-01-10T10:00:00+08:00"},
        subject="B-HS", region="131102"))
    wait_for(lambda: call(fleet, "hs_center", "GET", "/budget-drafts/B-HS")["status"] == "approved", message="ok")
    CLOCK["now"] = datetime(2026, 4, 20, 10, 0, tzinfo=SHANGHAI)
    r = call(fleet, "hs_center", "POST", "/budget-execution-reports", {
        "report_id": "X-1", "draft_id": "B-HS", "quarter": "2026-Q1", "actuals": {"employee": [250_00, 190_00]}})
    assert r["late"] is False and r["deadline"]["due_at"].startswith("2026-04-30")
    r = fleet.post("hs_center", "/budget-adjustments", json={
        "adjustment_id": "ADJ-0", "draft_id": "B-HS", "reason": "epidemic", "deltas": {"employee": [-50_00, 0]}},
        timeout=10)  # a revenue change waits for tax's own signed co-signature; it is not sent before
    assert r.status_code == 202 and r.json()["status"] == "awaiting_tax" and "tax" in r.json()["waiting"]
    call(fleet, "hs_center", "POST", "/budget-adjustments", {
        "adjustment_id": "ADJ-1", "draft_id": "B-HS", "reason": "epidemic", "deltas": {"employee": [0, 120_00]}})
    call(fleet, "hs_center", "POST", "/final-accounts", {
        "draft_id": "FA-2025", "year": 2025, "region_code": "131102",
        "schemes": [{"scheme": "employee", "revenue_fen": 880_00, "expenditure_fen": 900_00,
                     "rolling_balance_fen": -20_00}]})
    kinds = {"fundlink.hs_center.budget_execution.reported.v1", "fundlink.hs_center.budget_adjustment.proposed.v1",
             "fundlink.hs_center.final_accounts.submitted.v1"}

    def all_sent():
        rows = outbox_rows(fleet.database("hs_center"))
        return all(r["sent_at"] for r in rows) and kinds <= {r["event_type"] for r in rows}
    wait_for(all_sent, message="the center's hand-offs on the bus")
    notices = wait_for(lambda: len(n := call(fleet, "finance", "GET", "/notices")["notices"]) == 2 and n,
                       message="execution report and adjustment at finance")
    assert {n["kind"] for n in notices} == {"execution_report", "adjustment_proposal"}
    wait_for(lambda: fleet.get("healthcare_security", "/final-accounts/FA-2025").ok,
             message="the final accounts at the bureau")
    call(fleet, "healthcare_security", "POST", "/final-accounts/FA-2025/review", {"decision": "forwarded"})
    wait_for(lambda: call(fleet, "hs_center", "GET", "/final-accounts/FA-2025")["status"] == "forwarded",
             message="the bureau's review back at the center")

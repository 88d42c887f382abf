"""Issue 7: whistle-blower reports and rewards (HO-31/32) and referrals (HO-27/29) through the real bus."""

from __future__ import annotations

import json

from helpers import metric_value, outbox_rows, wait_for

from tests.integration.test_cases_transfer import (
    BureauOnFixedClock,
    Clock,
    HealthCommissionOnFixedClock,
    at,
    post,
    tap,  # noqa: F401 - fixture
)

REPORTER = {"name": "Zhang San", "id_number": "460100199001011234", "phone": "13800000000"}


def matter(fleet, kind, matter_id):
    return fleet.get("healthcare_security", f"/matters/{kind}/{matter_id}", timeout=10).json()


def test_an_uncollected_reward_is_forfeited_and_the_reporter_never_leaves_the_bureau(fleet, tap):  # noqa: F811
    fleet.start("healthcare_security", BureauOnFixedClock)
    Clock.now = at(2026, 9, 1, 9)
    post(fleet, "healthcare_security", "/reports", {
        "report_id": "J-1", "region_code": "460100", "channel": "phone", "target": "Kangning Pharmacy",
        "clues": "card lending for resale of drugs", "reporter": REPORTER})
    Clock.now = at(2026, 9, 20, 9)
    post(fleet, "healthcare_security", "/reports/J-1/closure",
         {"outcome": "substantiated", "outcome_summary": "confirmed; the pharmacy returned the loss"})
    post(fleet, "healthcare_security", "/reports/J-1/reward", {
        "reward_id": "W-1", "loss_amount_fen": 1_000_000, "reward_amount_fen": 50_000, "approved_by": "director Sun"})
    Clock.now = at(2026, 9, 30, 10)  # notice served on the last working day before National Day
    reward = post(fleet, "healthcare_security", "/rewards/W-1/notice")
    # 2 working days: Oct 1–7 are holidays, so Thu Oct 8 and Fri Oct 9.
    assert reward["collect_by"]["due_at"] == "2026-10-09T23:59:59.999999+08:00"

    Clock.now = at(2026, 10, 9, 23, 59, 59)
    post(fleet, "healthcare_security", "/test/sweep")
    assert matter(fleet, "reward", "W-1")["state"] == "notice_served"
    assert metric_value(fleet, "healthcare_security", "fundlink_deadlines_open", kind="reward_collection") == 1
    Clock.now = at(2026, 10, 10, 0, 0, 1)
    post(fleet, "healthcare_security", "/test/sweep")
    assert matter(fleet, "reward", "W-1")["state"] == "forfeited"
    assert metric_value(fleet, "healthcare_security", "fundlink_deadlines_open", kind="reward_collection") == 0
    late = fleet.post("healthcare_security", "/rewards/W-1/collection", json={}, timeout=10)
    assert late.status_code == 409 and "forfeited" in late.json()["message"]

    # Every message the bus carried, and every row the bureau's outbox ever held.
    wait_for(lambda: all(r["sent_at"] for r in outbox_rows(fleet.database("healthcare_security"))),
             message="the outbox to drain")
    messages = tap.messages()
    assert sorted(t for t, _, _ in messages) == ["fundlink.healthcare_security.report.closed.v1",
                                                 "fundlink.healthcare_security.report.received.v1",
                                                 "fundlink.healthcare_security.reward.approved.v1",
                                                 "fundlink.healthcare_security.reward.forfeited.v1"]
    approved = json.loads(next(b for t, _, b in messages if t.endswith("reward.approved.v1")))
    assert (approved["reward_id"], approved["report_id"], approved["collect_by"]) == ("W-1", "J-1", "2026-10-09")
    forfeited = json.loads(next(b for t, _, b in messages if t.endswith("reward.forfeited.v1")))  # finance stops
    assert forfeited == {"reward_id": "W-1", "report_id": "J-1", "forfeited_at": "2026-10-10T00:00:01+08:00",
                         "collect_by": "2026-10-09"}
    with fleet.database("healthcare_security").engine.connect() as conn:
        stored = [bytes(r[0]) for r in conn.exec_driver_sql("SELECT body FROM fundlink_outbox")]
    for body in [b for _, _, b in messages] + stored:
        text = body.decode()
        assert not any(secret in text for secret in REPORTER.values()), text
    # Only the roles that handle reports see who reported (contracts/roles.yaml, `confidential`).
    assert matter(fleet, "report", "J-1")["reporter"] == {**REPORTER, "wants_reward": True}  # an officer's view
    for role in ("head", "auditor"):
        shown = fleet.get("healthcare_security", "/matters/report/J-1", role=role).json()
        assert ("reporter" in shown) is (role == "head"), (role, shown)


def test_a_referral_to_the_health_commission_is_answered_with_an_outcome(fleet):
    fleet.start("healthcare_security", BureauOnFixedClock)
    fleet.start("health_commission", HealthCommissionOnFixedClock)
    Clock.now = at(2026, 9, 1, 9)
    post(fleet, "healthcare_security", "/referrals", {
        "referral_id": "F-1", "region_code": "460100", "target": "health_commission", "subject_kind": "institution",
        "subject_id": "H46010001", "subject_name": "Haikou Kangning Hospital", "matter": "practising_qualification",
        "findings": "split admissions over 2025", "related_case_id": "C-9", "amount_fen": 300_000})
    received = wait_for(lambda: (r := fleet.get("health_commission", "/referrals/F-1")).ok and r.json(),
                        message="the commission to receive the referral")
    assert received["first_report_due"]["due_at"] == "2026-09-08T23:59:59.999999+08:00"  # 5 working days
    Clock.now = at(2026, 9, 3, 9)
    post(fleet, "health_commission", "/referrals/F-1/outcome",
         {"outcome": "penalised", "outcome_summary": "licence of the department head suspended",
          "decision_reference": "HW-2026-12"})
    answered = wait_for(lambda: (m := matter(fleet, "referral", "F-1"))["state"] == "outcome_reported" and m,
                        message="the outcome at the bureau")
    assert answered["outcome"] == "penalised"
    assert [(r["signer"], r["data"]["decision_reference"]) for r in answered["replies"]] == [
        ("health_commission", "HW-2026-12")]
    again = fleet.post("health_commission", "/referrals/F-1/outcome",
                          json={"outcome": "no_violation", "outcome_summary": "second thoughts"}, timeout=10)
    assert again.status_code == 409 and "reported once" in again.json()["message"]

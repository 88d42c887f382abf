"""Issue 11: hand-offs between the bureau's own offices and levels through the real bus and PostgreSQL, on a
fixed clock: the report docket (HO-31), the penalty proposal to the competent authority (HO-37) and
enforcement supervision from an upper to a lower bureau (HO-42). Each has one refusal: bad input answers a
4xx that says why, and nothing changes (no row, no event)."""

from __future__ import annotations

import json

from helpers import wait_for

from tests.integration.test_cases_transfer import (
    BureauOnFixedClock,
    Clock,
    at,
    post,
    tap,  # noqa: F401 - fixture
)

HS = "healthcare_security"
REPORTER = {"name": "Zhang San", "id_number": "460100199001011234", "phone": "13800000000"}


def get(fleet, path, **kw):
    return fleet.get(HS, path, timeout=10, **kw)


def until_view(fleet, path, ok, what):
    def seen():
        r = get(fleet, path)
        return r.status_code == 200 and ok(r.json()) and r.json()
    return wait_for(seen, message=what)


def bodies(bus_tap, event_type):
    return [json.loads(b) for t, _, b in bus_tap.messages() if t == event_type]


# --- HO-31 -----------------------------------------------------------------------------------------------------


def test_a_registered_report_reaches_the_receiving_bureaus_docket_without_the_reporter(fleet, tap):  # noqa: F811
    fleet.start(HS, BureauOnFixedClock)
    Clock.now = at(2026, 9, 1, 9)
    bad = fleet.post(HS, "/reports", json={
        "report_id": "J-BAD", "region_code": "460100", "channel": "phone", "target": "Kangning Pharmacy",
        "target_kind": "spaceship", "clues": "card lending", "reporter": REPORTER}, timeout=10)
    assert bad.status_code == 422 and "target_kind" in bad.text, bad.text
    assert get(fleet, "/matters/report/J-BAD").status_code == 404

    post(fleet, HS, "/reports", {
        "report_id": "J-1", "region_code": "460100", "channel": "phone", "target": "Kangning Pharmacy",
        "target_kind": "pharmacy", "target_id": "P46010001", "clues": "card lending for resale of drugs",
        "reporter": REPORTER})
    docket = until_view(fleet, "/report-docket/J-1", lambda v: v["state"] == "accepted", "the report on the docket")
    # 30 days from 1 September: 1 October is in the National Day holiday, so the limit rolls to 8 October.
    assert docket["handle_by"]["due_at"] == "2026-10-08T23:59:59.999999+08:00"
    assert docket["open_deadlines"][0]["name"] == "report_handling"
    assert (docket["target_kind"], docket["target_id"], docket["real_name"]) == ("pharmacy", "P46010001", True)

    (received,) = bodies(tap, "fundlink.healthcare_security.report.received.v1")
    assert received["target"] == {"kind": "pharmacy", "name": "Kangning Pharmacy", "target_id": "P46010001"}
    assert "reporter" not in received and received["real_name"] is True
    text = json.dumps(received, ensure_ascii=False) + json.dumps(docket, ensure_ascii=False)
    assert not any(secret in text for secret in REPORTER.values()), text
    assert get(fleet, "/report-docket/J-BAD").status_code == 404  # the refused report never travelled


# --- HO-37 -----------------------------------------------------------------------------------------------------


PROPOSAL = {
    "proposal_id": "PP-1", "supervision_id": "SUP-1",
    "party": {"kind": "institution", "party_id": "H46010001", "name": "Haikou Kangning Hospital"},
    "violations": "split admissions billed twice", "legal_basis": ["Decree 735 art. 38"], "rule_id": "P-06",
    "base_fen": 200_000, "proposed_fine_fen": 300_000, "proposed_measures": ["return 2,000 yuan"]}


def investigating(fleet, case_id):
    post(fleet, HS, "/cases", {"case_id": case_id, "region_code": "460100"})
    post(fleet, HS, f"/cases/{case_id}/filing", {"filed_by": "section chief Zhao"})
    post(fleet, HS, f"/cases/{case_id}/investigation", {"officers": ["officer Wang", "officer Li"]})


def test_a_penalty_proposal_is_amended_by_the_competent_authority_and_the_case_learns_it(fleet, tap):  # noqa: F811
    fleet.start(HS, BureauOnFixedClock)
    Clock.now = at(2026, 9, 15, 9)
    investigating(fleet, "C-PP")
    before = get(fleet, "/cases/C-PP").json()["timeline"]
    # P-06 fines 1–2 × the loss: 500,000 fen is outside 200,000–400,000.
    bad = fleet.post(HS, "/cases/C-PP/penalty-proposals", json={**PROPOSAL, "proposed_fine_fen": 500_000},
                     timeout=10)
    assert bad.status_code == 409 and "outside P-06" in bad.json()["message"], bad.text
    assert get(fleet, "/cases/C-PP").json()["timeline"] == before

    case = post(fleet, HS, "/cases/C-PP/penalty-proposals", PROPOSAL)
    assert case["timeline"][-1]["step"] == "penalty_proposed: PP-1 (P-06)"
    pending = until_view(fleet, "/penalty-proposals/PP-1", lambda v: v["state"] == "pending",
                         "the proposal at the competent authority")
    assert (pending["case_id"], pending["party_name"], pending["proposed_fine_fen"]) == (
        "C-PP", "Haikou Kangning Hospital", 300_000)
    assert pending["open_deadlines"] == []  # HO-37 sets no time limit

    decision = {"decision": "amended", "approved_fine_fen": 200_000, "reasons": "first offence, loss returned",
                "decided_by": "director Sun"}
    officer = fleet.post(HS, "/penalty-proposals/PP-1/decision", json=decision, role="officer", timeout=10)
    assert officer.status_code == 403, officer.text  # the authority's head decides
    Clock.now = at(2026, 9, 16, 10)
    decided = post(fleet, HS, "/penalty-proposals/PP-1/decision", decision)
    assert (decided["state"], decided["approved_fine_fen"], decided["decided_by"]) == ("amended", 200_000,
                                                                                        "director Sun")
    again = fleet.post(HS, "/penalty-proposals/PP-1/decision", json={**decision, "decision": "approved"},
                       role="head", timeout=10)
    assert again.status_code == 409 and "already amended" in again.json()["message"]
    case = wait_for(lambda: (c := get(fleet, "/cases/C-PP").json())["timeline"][-1]["step"].startswith(
        "penalty_proposal_amended") and c, message="the decision on the case")
    assert case["timeline"][-1]["step"] == "penalty_proposal_amended: PP-1, fine 200000 fen"
    assert case["state"] == "investigating"
    (sent,) = bodies(tap, "fundlink.healthcare_security.penalty.proposal_submitted.v1")
    assert sent["party"]["party_id"] == "H46010001" and sent["proposed_measures"] == ["return 2,000 yuan"]


# --- HO-42 -----------------------------------------------------------------------------------------------------


NOTICE = {"notice_id": "EN-1", "region_code": "460100", "issuing_unit": "Hainan Provincial Healthcare Security Bureau",
          "lower_unit": "Haikou Healthcare Security Bureau", "related_case_id": "C-HK-7",
          "defects": ["penalty decided without a hearing notice"], "required_action": "re-serve the hearing notice",
          "correct_by": "2026-04-30"}


def test_an_enforcement_notice_is_reviewed_on_the_lower_bureaus_request(fleet):
    fleet.start(HS, BureauOnFixedClock)
    Clock.now = at(2026, 3, 2, 10)
    bad = fleet.post(HS, "/enforcement-notices", json={**NOTICE, "correct_by": "2026-03-01"}, timeout=10)
    assert bad.status_code == 409 and "before the notice is issued" in bad.json()["message"], bad.text
    assert get(fleet, "/enforcement-notices/issued/EN-1").status_code == 404

    issued = post(fleet, HS, "/enforcement-notices", NOTICE)
    assert issued["state"] == "notice_issued" and issued["facts"]["required_action"] == NOTICE["required_action"]
    received = until_view(fleet, "/enforcement-notices/received/EN-1", lambda v: v["state"] == "notice_issued",
                          "the notice at the lower bureau")
    # 10 days from receipt on Mon 2 March: Thu 12 March.
    assert received["review_request_due"]["due_at"] == "2026-03-12T23:59:59.999999+08:00"
    assert received["open_deadlines"][0]["name"] == "review_request"
    assert received["facts"]["issuing_unit"] == NOTICE["issuing_unit"]

    Clock.now = at(2026, 3, 10, 9)
    post(fleet, HS, "/enforcement-notices/received/EN-1/review-request",
         {"request_id": "RR-1", "grounds": "the hearing notice was served on 3 February"})
    upper = until_view(fleet, "/enforcement-notices/issued/EN-1", lambda v: v["state"] == "review_requested",
                       "the request at the upper bureau")
    assert upper["review_decision_due"]["due_at"] == "2026-03-25T23:59:59.999999+08:00"  # 15 days from the request
    assert upper["facts"]["request_id"] == "RR-1"

    Clock.now = at(2026, 3, 20, 9)
    post(fleet, HS, "/enforcement-notices/issued/EN-1/review-decision",
         {"decision": "revoked", "reasons": "the service record was found", "decided_by": "director Sun"})
    lower = until_view(fleet, "/enforcement-notices/received/EN-1", lambda v: v["state"] == "review_decided",
                       "the decision at the lower bureau")
    assert lower["decision"] == "revoked" and lower["open_deadlines"] == []


def test_a_late_review_request_is_refused_and_the_decision_stands(fleet, tap):  # noqa: F811
    fleet.start(HS, BureauOnFixedClock)
    Clock.now = at(2026, 3, 2, 10)
    post(fleet, HS, "/enforcement-notices", {**NOTICE, "notice_id": "EN-2"})
    until_view(fleet, "/enforcement-notices/received/EN-2", lambda v: v["state"] == "notice_issued",
               "the notice at the lower bureau")
    Clock.now = at(2026, 3, 13, 0, 0, 1)
    late = fleet.post(HS, "/enforcement-notices/received/EN-2/review-request",
                      json={"request_id": "RR-2", "grounds": "too late"}, timeout=10)
    assert late.status_code == 409 and "the decision stands" in late.json()["message"], late.text
    assert get(fleet, "/enforcement-notices/received/EN-2").json()["state"] == "notice_issued"
    assert get(fleet, "/enforcement-notices/issued/EN-2").json()["state"] == "notice_issued"
    assert not bodies(tap, "fundlink.healthcare_security.enforcement_supervision.review_requested.v1")

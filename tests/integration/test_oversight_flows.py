"""HO-35, HO-36 and HO-39 through the real bus and database (issue 11).

- HO-35: tax refers an unregistered employer found in the center's discrepancy report; the bureau opens a case
  and tax records it. The bureau refers an employer in arrears; tax shows the 0.05 %/day surcharge and answers.
- HO-36: the center holds the bureau's supervision report with the due date of its written opinion, submits one
  opinion, and a report left silent past the 10 days is deemed without objection at both ends.
- HO-39: the bureau's settlement-suspension order is carried out once however often it is delivered; a claim of
  the suspended institution is not paid until the suspension is lifted; the case records the center's reports.

Refusals: bad input answers a clear 4xx and changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from helpers import count, outbox_rows, publish_envelope, signed, wait_for

from services.healthcare_security.service import HealthcareSecurityService
from services.hs_center.service import HsCenterService
from services.tax.service import TaxService
from shared.deadlines import SHANGHAI

pytestmark = pytest.mark.integration

CITY = "460100"
CLOCK = {"now": datetime(2026, 9, 15, 9, 0, tzinfo=SHANGHAI)}


def at(*args):
    CLOCK["now"] = datetime(*args, tzinfo=SHANGHAI)


def fixed_clock(self):
    return CLOCK["now"]


class Bureau(HealthcareSecurityService):
    clock = fixed_clock

    def watch_deadlines(self, now):
        super().watch_deadlines(CLOCK["now"])


class Center(HsCenterService):
    clock = fixed_clock

    def watch_deadlines(self, now):
        super().watch_deadlines(CLOCK["now"])


class Tax(TaxService):
    clock = fixed_clock
    chain_clock = fixed_clock


def call(fleet, agency, method, path, body=None, role=None, expect=(200, 201, 202)):
    r = fleet.call(method, agency, path, json=body, role=role)
    assert r.status_code in expect, f"{agency} {method} {path}: {r.status_code} {r.text}"
    return r.json()


def refused(fleet, agency, method, path, body, status, role=None, words=()):
    r = fleet.call(method, agency, path, json=body, role=role)
    assert r.status_code == status, f"{agency} {method} {path}: {r.status_code} {r.text}"
    body = r.json()
    assert body["error"] and body["message"], body
    for word in words:
        assert word in body["message"], body["message"]
    return body


def received(fleet, agency, event_type):
    r = fleet.get(agency, "/audit?limit=10000", role="auditor")
    assert r.ok, r.text
    return sum(1 for e in r.json()["entries"] if e["kind"] == "received" and e["action"] == event_type)


def send(fleet, keys_dir, amqp_uri, party, event_type, data, subject):
    """A second, distinct delivery of the same content (a new event id, as a producer's retry would make)."""
    publish_envelope(amqp_uri, signed(keys_dir, party, event_type, data, subject=subject, region=CITY,
                                      event_id=str(uuid.uuid4())))


# --- HO-36 ---------------------------------------------------------------------------------------------------------

REPORT = "fundlink.healthcare_security.supervision.report_issued.v1"
OPINION = "fundlink.hs_center.supervision.opinion_submitted.v1"


def issue_report(fleet, report_id):
    return call(fleet, "healthcare_security", "POST", "/supervision-reports", {
        "report_id": report_id, "supervision_id": f"SUP-{report_id}", "supervised_unit": "Haikou handling center",
        "region_code": CITY, "findings": [
            {"finding_id": "FD-1", "description": "claims paid without review", "amount_fen": 120_000},
            {"finding_id": "FD-2", "description": "quality deposit not deducted"}]})


def test_supervision_report_opinion_once_and_silence_deemed_no_objection(fleet, keys_dir, amqp_uri):
    at(2026, 9, 15, 9)
    fleet.start("healthcare_security", Bureau)
    fleet.start("hs_center", Center)
    center_db = fleet.database("hs_center")

    bureau_view = issue_report(fleet, "SR-1")
    issue_report(fleet, "SR-2")
    report = wait_for(lambda: fleet.get("hs_center", "/supervision-reports/SR-1").ok
                      and fleet.get("hs_center", "/supervision-reports/SR-1").json(), message="SR-1 at the center")
    # 10 calendar days from 15 September: the 25th is Mid-Autumn Festival and the 26th-27th a weekend, so the
    # last day rolls to Monday 28 September; the bureau counts the same.
    assert report["state"] == "awaiting_opinion" and report["due_date"] == "2026-09-28"
    assert report["opinion_due"]["due_at"] == bureau_view["open_deadlines"][0]["due_at"]
    assert report["days_left"] == 13
    wait_for(lambda: fleet.get("hs_center", "/supervision-reports/SR-2").ok, message="SR-2 at the center")

    # A second delivery of SR-1 (served "later") changes nothing: the 10 days still run from the first receipt.
    send(fleet, keys_dir, amqp_uri, "healthcare_security", REPORT, {
        "report_id": "SR-1", "supervision_id": "SUP-SR-1", "supervised_unit": "Haikou handling center",
        "region_code": CITY, "findings": [{"finding_id": "FD-9", "description": "other"}],
        "served_at": "2026-09-20T09:00:00+08:00"}, "SR-1")
    wait_for(lambda: received(fleet, "hs_center", REPORT) == 3, message="the repeated report processed")
    again = fleet.get("hs_center", "/supervision-reports/SR-1").json()
    assert (again["received_at"], again["due_date"], len(again["findings"])) == (report["received_at"],
                                                                                  "2026-09-28", 2)
    assert count(center_db, "supervision_report") == 2

    # Refusals change nothing.
    at(2026, 9, 18, 10)
    refused(fleet, "hs_center", "POST", "/supervision-reports/SR-1/opinion",
            {"position": "objection", "opinion": "we disagree"}, 409, words=("disputed_findings",))
    refused(fleet, "hs_center", "POST", "/supervision-reports/SR-1/opinion",
            {"position": "objection", "opinion": "we disagree", "disputed_findings": ["FD-7"]}, 409, words=("FD-7",))
    refused(fleet, "hs_center", "POST", "/supervision-reports/SR-1/opinion",
            {"position": "agree", "opinion": "fine", "disputed_findings": ["FD-1"]}, 409)
    refused(fleet, "hs_center", "POST", "/supervision-reports/SR-1/opinion",
            {"position": "maybe", "opinion": "fine"}, 422, words=("position",))
    refused(fleet, "hs_center", "POST", "/supervision-reports/SR-404/opinion",
            {"position": "agree", "opinion": "fine"}, 404)
    assert fleet.get("hs_center", "/supervision-reports/SR-1").json()["state"] == "awaiting_opinion"
    assert outbox_rows(center_db, OPINION) == []

    # The opinion, once; the bureau records it.
    done = call(fleet, "hs_center", "POST", "/supervision-reports/SR-1/opinion", {
        "position": "objection", "opinion": "FD-2: the deposit was deducted in October",
        "disputed_findings": ["FD-2"]})
    assert done["state"] == "opinion_submitted" and done["opinion"]["disputed_findings"] == ["FD-2"]
    refused(fleet, "hs_center", "POST", "/supervision-reports/SR-1/opinion",
            {"position": "agree", "opinion": "on second thought"}, 409, words=("already",))
    assert len(outbox_rows(center_db, OPINION)) == 1
    matter = wait_for(lambda: (m := fleet.get("healthcare_security", "/matters/supervision_report/SR-1").json())
                      ["state"] == "opinion_received" and m, message="the opinion at the bureau")
    assert matter["opinion"] == "FD-2: the deposit was deducted in October"

    # SR-2 stays silent: past the 28th the center's watch deems it without objection and alerts once.
    at(2026, 9, 29, 0, 0, 1)
    silent = wait_for(lambda: (r := fleet.get("hs_center", "/supervision-reports/SR-2").json())
                      .get("overdue_alerted_at") and r, timeout=30, message="the center's watch on SR-2")
    assert silent["state"] == "deemed_no_objection" and silent["overdue"] is True
    wait_for(lambda: fleet.get("healthcare_security", "/matters/supervision_report/SR-2").json()["state"]
             == "deemed_no_objection", message="the bureau's watch on SR-2")
    refused(fleet, "hs_center", "POST", "/supervision-reports/SR-2/opinion",
            {"position": "agree", "opinion": "late"}, 409, words=("no objection",))
    assert len(outbox_rows(center_db, OPINION)) == 1
    listed = fleet.get("hs_center", "/supervision-reports?state=deemed_no_objection").json()["reports"]
    assert [r["report_id"] for r in listed] == ["SR-2"]


# --- HO-39 ---------------------------------------------------------------------------------------------------------

ORDER = "fundlink.healthcare_security.settlement.suspension_ordered.v1"
ACTION = "fundlink.hs_center.agreement.action_reported.v1"
PAID = "fundlink.hs_center.settlement.paid.v1"


def investigating(fleet, case_id):
    call(fleet, "healthcare_security", "POST", "/cases", {"case_id": case_id, "region_code": CITY})
    call(fleet, "healthcare_security", "POST", f"/cases/{case_id}/filing", {"filed_by": "section chief Zhao"})
    call(fleet, "healthcare_security", "POST", f"/cases/{case_id}/investigation",
         {"officers": ["officer Wang", "officer Li"]})


def agreement_steps(fleet, case_id):
    timeline = fleet.get("healthcare_security", f"/cases/{case_id}").json()["timeline"]
    return [e["step"] for e in timeline if e["step"].startswith("agreement_action")]


def test_settlement_suspension_is_carried_out_once_and_stops_payment_until_lifted(fleet, keys_dir, amqp_uri):
    at(2026, 9, 15, 9)
    fleet.start("healthcare_security", Bureau)
    fleet.start("hs_center", Center)
    center_db, bureau_db = fleet.database("hs_center"), fleet.database("healthcare_security")
    call(fleet, "hs_center", "POST", "/settlement-claims", {
        "claim_id": "CLM-SUS-1", "institution_id": "H46010001", "region_code": CITY, "month": "2026-08",
        "claimed_fen": 300_000})
    call(fleet, "hs_center", "POST", "/settlement-claims", {
        "claim_id": "CLM-OTHER-1", "institution_id": "H46010002", "region_code": CITY, "month": "2026-08",
        "claimed_fen": 100_000})
    investigating(fleet, "C-SUS-1")
    order = {"order_id": "SUS-1", "target_kind": "institution", "target_id": "H46010001",
             "reason": "refuses to hand over inpatient records", "approved_by": "director Sun",
             "effective_from": "2026-09-16"}
    refused(fleet, "healthcare_security", "POST", "/cases/C-SUS-1/settlement-suspension", order, 403,
            role="officer")
    call(fleet, "healthcare_security", "POST", "/cases/C-SUS-1/settlement-suspension", order)
    measure = wait_for(lambda: (r := fleet.get("hs_center", "/agreement-actions/ACT-SUS-1")).ok and r.json(),
                       message="the order at the center")
    assert (measure["action"], measure["target_id"], measure["case_id"]) == ("suspend_settlement", "H46010001",
                                                                             "C-SUS-1")
    assert measure["in_force"] is False  # from tomorrow
    wait_for(lambda: agreement_steps(fleet, "C-SUS-1"), message="the center's report on the case")

    # The same order again, by the bureau's route (refused) and by a second delivery (carried out once).
    refused(fleet, "healthcare_security", "POST", "/cases/C-SUS-1/settlement-suspension", order, 409,
            words=("SUS-1",))
    assert len(outbox_rows(bureau_db, ORDER)) == 1
    send(fleet, keys_dir, amqp_uri, "healthcare_security", ORDER, {
        "order_id": "SUS-1", "case_id": "C-SUS-1", "target_kind": "institution", "target_id": "H46010001",
        "reason": "refuses to hand over inpatient records", "approved_by": "director Sun",
        "effective_from": "2026-09-16", "ordered_at": "2026-09-15T09:00:00+08:00"}, "C-SUS-1")
    wait_for(lambda: received(fleet, "hs_center", ORDER) == 2, message="the repeated order processed")
    assert count(center_db, "agreement_measure") == 1
    assert len(outbox_rows(center_db, ACTION)) == 1
    assert agreement_steps(fleet, "C-SUS-1") == [
        "agreement_action: suspend_settlement ACT-SUS-1 (order SUS-1) from 2026-09-16"]

    # From the 16th no claim of the institution is paid; another institution's is.
    at(2026, 9, 16, 10)
    body = refused(fleet, "hs_center", "POST", "/settlement-claims/CLM-SUS-1/payment", {"approved_fen": 300_000},
                   409, role="head", words=("suspended", "ACT-SUS-1"))
    assert body["error"] == "SettlementSuspended"
    assert fleet.get("hs_center", "/settlement-claims/CLM-SUS-1").json()["status"] == "open"
    assert call(fleet, "hs_center", "POST", "/settlement-claims/CLM-OTHER-1/payment", {"approved_fen": 100_000},
                role="head")["status"] == "paid"
    assert len(outbox_rows(center_db, PAID)) == 1  # CLM-OTHER-1's only

    # The center's own measures: bad ones are refused and change nothing.
    base = {"action_id": "AA-1", "institution_id": "H46010001", "region_code": CITY, "reason": "records withheld",
            "effective_from": "2026-09-20"}
    refused(fleet, "hs_center", "POST", "/agreement-actions", {**base, "action": "suspend_settlement"}, 422,
            words=("action",))
    refused(fleet, "hs_center", "POST", "/agreement-actions", {**base, "action": "withhold_payment"}, 409,
            words=("amount_fen",))
    refused(fleet, "hs_center", "POST", "/agreement-actions",
            {**base, "action": "suspend_agreement", "effective_until": "2026-09-01"}, 409, words=("before",))
    refused(fleet, "hs_center", "POST", "/agreement-actions",
            {**base, "action": "terminate_agreement", "effective_until": "2026-12-31"}, 409)
    assert count(center_db, "agreement_measure") == 1 and len(outbox_rows(center_db, ACTION)) == 1
    done = call(fleet, "hs_center", "POST", "/agreement-actions", {**base, "action": "suspend_staff",
                                                                   "effective_until": "2026-12-31"})
    assert done["reported_at"]
    refused(fleet, "hs_center", "POST", "/agreement-actions", {**base, "action": "interview"}, 409, words=("AA-1",))
    wait_for(lambda: len(agreement_steps(fleet, "C-SUS-1")) == 2, message="the center's own measure on the case")
    kept = fleet.get("healthcare_security", "/matters/agreement_action/AA-1").json()
    assert (kept["action"], kept["institution_id"]) == ("suspend_staff", "H46010001")

    # Lifting is the head's decision; from then on the claim is paid.
    refused(fleet, "hs_center", "POST", "/agreement-actions/ACT-SUS-1/lift",
            {"lifted_by": "director Liu", "reason": "records handed over"}, 403, role="officer")
    refused(fleet, "hs_center", "POST", "/agreement-actions/AA-1/lift",
            {"lifted_by": "director Liu", "reason": "n/a"}, 409, role="head", words=("only a suspension",))
    lifted = call(fleet, "hs_center", "POST", "/agreement-actions/ACT-SUS-1/lift",
                  {"lifted_by": "director Liu", "reason": "records handed over"}, role="head")
    assert lifted["in_force"] is False and lifted["lifted_on"] == "2026-09-16"
    paid = call(fleet, "hs_center", "POST", "/settlement-claims/CLM-SUS-1/payment", {"approved_fen": 300_000},
                role="head")
    assert paid["status"] == "paid"


def test_a_suspension_ordered_against_an_insured_person_is_kept_not_reported_as_an_agreement_measure(fleet):
    at(2026, 9, 15, 9)
    fleet.start("healthcare_security", Bureau)
    fleet.start("hs_center", Center)
    investigating(fleet, "C-SUS-2")
    call(fleet, "healthcare_security", "POST", "/cases/C-SUS-2/settlement-suspension", {
        "order_id": "SUS-2", "target_kind": "insured_person", "target_id": "460100195203150027",
        "reason": "refuses questioning", "approved_by": "director Sun", "effective_from": "2026-09-15"})
    measure = wait_for(lambda: (r := fleet.get("hs_center", "/agreement-actions/ACT-SUS-2")).ok and r.json(),
                       message="the order at the center")
    assert measure["target_kind"] == "insured_person" and measure["in_force"] is True
    assert measure["reported_at"] is None
    assert outbox_rows(fleet.database("hs_center"), ACTION) == []


# --- HO-35 ---------------------------------------------------------------------------------------------------------

REFERRED_BY_TAX = "fundlink.tax.employer_violation.referred.v1"
BUREAU_ANSWER = "fundlink.healthcare_security.employer_violation.accepted.v1"
REFERRED_BY_BUREAU = "fundlink.healthcare_security.employer_violation.referred.v1"
TAX_ANSWER = "fundlink.tax.employer_violation.accepted.v1"


def discrepancy_report(employers):
    return {"discrepancy_id": "DISC-EV-1", "feed_id": "F-EV-2026-10", "region_code": CITY, "period": "2026-10",
            "part": 1, "parts": 1, "reported_at": "2026-11-06T10:00:00+08:00", "items": [
                {"item_id": str(n), "kind": "unknown_payer", "responsible": "healthcare_security", "payer_id": e,
                 "payer_kind": "employer", "scheme": "employee", "expected_fen": 0, "collected_fen": 240_000,
                 "reason": "paid without enrollment"} for n, e in enumerate(employers, 1)]}


def test_employer_violations_are_referred_and_answered_both_ways(fleet, keys_dir, amqp_uri):
    at(2026, 11, 9, 9)
    fleet.start("healthcare_security", Bureau)
    fleet.start("tax", Tax)
    bureau_db, tax_db = fleet.database("healthcare_security"), fleet.database("tax")

    # Tax refers the two unregistered employers of the center's report to the bureau.
    report = discrepancy_report(["91460100MA5T0001XA", "91460100MA5T0002XB"])
    publish_envelope(amqp_uri, signed(keys_dir, "hs_center", "fundlink.hs_center.collection.discrepancy_reported.v1",
                                      report, subject="F-EV-2026-10", region=CITY))
    first, second = "REF-DISC-EV-1-1", "REF-DISC-EV-1-2"
    for ref in (first, second):
        held = wait_for(lambda r=ref: (v := fleet.get("healthcare_security", f"/employer-violations/from-tax/{r}"))
                        .ok and v.json(), message=f"{ref} at the bureau")
        assert (held["state"], held["kind"], held["responsible"]) == ("received", "not_registered",
                                                                      "healthcare_security")
    # The same referral delivered again is kept once.
    send(fleet, keys_dir, amqp_uri, "tax", REFERRED_BY_TAX, {
        "referral_id": first, "region_code": CITY, "employer_id": "91460100MA5T0001XA",
        "employer_name": "someone else", "kind": "base_not_declared", "facts": "again",
        "referred_at": "2026-11-09T10:00:00+08:00"}, first)
    wait_for(lambda: received(fleet, "healthcare_security", REFERRED_BY_TAX) == 3, message="the repeat processed")
    assert count(bureau_db, "employer_violation") == 2
    assert fleet.get("healthcare_security", f"/employer-violations/from-tax/{first}").json()["kind"] == \
        "not_registered"

    # Refusals change nothing: no case, no answer.
    path = f"/employer-violations/from-tax/{first}/decision"
    refused(fleet, "healthcare_security", "POST", path, {"decision": "accepted"}, 409, words=("case_id",))
    refused(fleet, "healthcare_security", "POST", path, {"decision": "returned"}, 409, words=("reason",))
    refused(fleet, "healthcare_security", "POST", path, {"decision": "later"}, 422, words=("decision",))
    refused(fleet, "healthcare_security", "POST", "/employer-violations/from-tax/REF-NONE/decision",
            {"decision": "returned", "reason": "x"}, 404)
    assert count(bureau_db, "enforcement_case") == 0 and outbox_rows(bureau_db, BUREAU_ANSWER) == []

    # Accepted: a case is opened and tax records it; returned: tax records the reason.
    view = call(fleet, "healthcare_security", "POST", path, {"decision": "accepted", "case_id": "C-EV-1"})
    assert view["state"] == "accepted"
    assert fleet.get("healthcare_security", "/cases/C-EV-1").json()["state"] == "lead"
    refused(fleet, "healthcare_security", "POST", path, {"decision": "returned", "reason": "changed mind"}, 409,
            words=("already",))
    call(fleet, "healthcare_security", "POST", f"/employer-violations/from-tax/{second}/decision",
         {"decision": "returned", "reason": "the employer registered on 2 November; nothing to enforce"})
    answers = wait_for(lambda: (v := fleet.get("tax", "/employer-violations/to-bureau").json()["referrals"])
                       and all(r["answer"] for r in v) and v, message="the bureau's answers at tax")
    assert {r["referral_id"]: (r["state"], r["answer"]["case_id"]) for r in answers} == {
        first: ("accepted", "C-EV-1"), second: ("returned", None)}
    assert len(outbox_rows(bureau_db, BUREAU_ANSWER)) == 2

    # The bureau refers an employer in arrears; a referral of its own part of the split is refused.
    arrears = {"referral_id": "EV-1", "region_code": CITY, "employer_id": "91460100MA5T0003XC",
               "employer_name": "Haikou Nanhai Trading Co.", "kind": "not_paid", "facts": "nothing paid since October",
               "amount_due_fen": 1_200_000, "arrears_since": "2026-10-01"}
    refused(fleet, "healthcare_security", "POST", "/employer-violations/to-tax", {**arrears, "kind": "not_registered"},
            422, words=("kind",))
    refused(fleet, "healthcare_security", "POST", "/employer-violations/to-tax",
            {**arrears, "arrears_since": "2026-12-01"}, 409, words=("arrears_since",))
    assert outbox_rows(bureau_db, REFERRED_BY_BUREAU) == []
    call(fleet, "healthcare_security", "POST", "/employer-violations/to-tax", arrears)
    refused(fleet, "healthcare_security", "POST", "/employer-violations/to-tax", arrears, 409, words=("EV-1",))
    at_tax = wait_for(lambda: (v := fleet.get("tax", "/employer-violations/from-bureau/EV-1")).ok and v.json(),
                      message="the referral at tax")
    # 1 October … 9 November is 40 days, the first included: 1,200,000 × 0.05 % × 40 = 24,000 fen.
    assert at_tax["late_surcharge"]["days"] == 40 and at_tax["late_surcharge"]["amount_fen"] == 24_000
    decide = "/employer-violations/from-bureau/EV-1/decision"
    refused(fleet, "tax", "POST", decide, {"decision": "returned"}, 409, words=("reason",))
    assert outbox_rows(tax_db, TAX_ANSWER) == []
    done = call(fleet, "tax", "POST", decide, {"decision": "accepted"})
    assert (done["state"], done["case_id"]) == ("accepted", "TAX-EV-1")
    refused(fleet, "tax", "POST", decide, {"decision": "accepted"}, 409, words=("already",))
    kept = wait_for(lambda: (v := fleet.get("healthcare_security", "/employer-violations/to-tax/EV-1").json())
                    ["state"] == "accepted" and v, message="tax's answer at the bureau")
    assert kept["case_id"] == "TAX-EV-1"
    # Tax's answer delivered again changes nothing.
    send(fleet, keys_dir, amqp_uri, "tax", TAX_ANSWER, {
        "referral_id": "EV-1", "decision": "accepted", "case_id": "TAX-EV-1",
        "decided_at": "2026-11-09T09:00:00+08:00"}, "EV-1")
    wait_for(lambda: received(fleet, "healthcare_security", TAX_ANSWER) == 2, message="the repeated answer")
    assert fleet.get("healthcare_security", "/employer-violations/to-tax/EV-1").json()["state"] == "accepted"

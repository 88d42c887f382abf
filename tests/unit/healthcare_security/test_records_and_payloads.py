"""Stored cases come back as the domain left them; hand-off payloads match their contracts and carry no
reporter."""

import json
from datetime import timedelta

from services.healthcare_security import domain as hs
from services.healthcare_security.payloads import message
from shared.bus.catalogue import catalogue
from shared.records import dump, load

from .test_domain import CAL, at, flagged_case, police_reviewing_case, report, transferred_case


def test_a_stored_case_comes_back_equal_with_its_timeline_and_deadlines():
    case = police_reviewing_case()
    again = load(hs.Case, json.loads(json.dumps(dump(case))))
    assert again == case
    assert again.deadline(hs.FILING_DECISION) == case.deadline(hs.FILING_DECISION)


def test_a_transfer_opens_a_24_hour_police_receipt_limit_that_the_receipt_meets():
    case = transferred_case(approved=at(2026, 9, 28, 10))
    assert case.deadline(hs.POLICE_RECEIPT).due_at == at(2026, 9, 29, 12)
    received, _ = hs.record_receipt(case, at(2026, 9, 28, 15), "PSB unit", at(2026, 9, 28, 15), CAL, receipt_id="R-1")
    assert received.deadline(hs.POLICE_RECEIPT) is None
    assert received.receipt_id == "R-1"


def test_the_same_receipt_recorded_twice_changes_nothing():
    case = transferred_case()
    once, _ = hs.record_receipt(case, at(2026, 9, 30, 10), "PSB unit", at(2026, 9, 30, 10), CAL, receipt_id="R-1")
    twice, events = hs.record_receipt(once, at(2026, 9, 30, 10), "PSB unit", at(2026, 9, 30, 12), CAL,
                                      receipt_id="R-1")
    assert (twice, events) == (once, [])


def test_a_receipt_forwarded_to_another_body_names_the_new_reviewer():
    case, _ = hs.record_receipt(transferred_case(), at(2026, 9, 30, 10), "PSB unit", at(2026, 9, 30, 10), CAL,
                                receipt_id="R-1", forwarded_to="railway police")
    assert case.receiving_unit == "railway police"
    assert case.timeline[-2].step == "receipt_signed; forwarded to railway police"


def test_the_transfer_payload_lists_each_document_by_reference_and_digest():
    case, events = hs.transfer_to_police(_approved(), at(2026, 9, 28, 12))
    schema, payload = message(events[0], "460100")
    assert schema.event_type == "healthcare_security.case.transferred_to_police.v1"
    assert schema().validate(payload) == {}
    assert payload["suspect"]["name"] == "Hongze Kangning Hospital"
    assert [(a["kind"], a["size_bytes"]) for a in payload["attachments"]] == [
        ("transfer_letter", 1024), ("investigation_report", 1024)]
    assert all(len(a["sha256"]) == 64 and a["document_id"].startswith("s3://") for a in payload["attachments"])


def _approved():
    case, _ = hs.submit_transfer_report(flagged_case(), report(), at(2026, 9, 27, 10), CAL)
    case, _ = hs.approve_transfer(case, "director Sun", at(2026, 9, 28, 10))
    return case


def test_reward_and_report_payloads_have_no_field_for_the_reporter():
    report, _ = hs.receive_report("J-1", "phone", "pharmacy", "card lending", at(2026, 3, 2), CAL,
                                  reporter=hs.Reporter("Zhang San", "460100199001011234", "138"))
    report, closed = hs.close_report(report, "substantiated", at(2026, 3, 3))
    reward, _ = hs.approve_reward(report, "W-1", 1_000_000, 50_000, "director Sun", at(2026, 3, 4))
    reward, approved = hs.serve_reward_notice(reward, at(2026, 3, 4) + timedelta(hours=1), CAL)
    for event, extra in ((closed[0], {"outcome_summary": "confirmed"}), (approved[0], {"approved_at": at(2026, 3, 4)})):
        schema, payload = message(event, "460100", extra)
        assert schema().validate(payload) == {}
        assert "Zhang San" not in json.dumps(payload) and "460100199001011234" not in json.dumps(payload)
        fields = {f.name for f in catalogue().event(schema.event_type).payload}
        assert set(payload) <= fields | {"outcome_summary"}

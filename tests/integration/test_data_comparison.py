"""HO-34 through the real bus and database: the center asks by token, public security and tax answer from their
own registers, civil affairs (an outside party) signs its own answer, and a match only flags benefits for an
officer's review; nothing is stopped until the officer decides."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from helpers import dead_letters, publish_envelope, signed, wait_for

from services.hs_center.service import HsCenterService
from shared.deadlines import SHANGHAI
from shared.parties.other import comparison_token

REQUESTED = "fundlink.hs_center.data_comparison.requested.v1"
CIVIL_AFFAIRS = "fundlink.civil_affairs.data_comparison.result_returned.v1"
WANG = "460100195203150027"  # died on 3 September 2026; civil affairs knows, the police register does not yet
LI = "46010019600808003X"  # alive
ZHAO = "460100197011110018"  # pays as a person in two regions at once


class Center(HsCenterService):
    def clock(self):
        return datetime(2026, 9, 20, 10, 0, tzinfo=SHANGHAI)


def call(fleet, agency, method, path, body=None, role="officer", expect=(200, 201, 202)):
    r = fleet.call(method, agency, path, json=body, role=role)
    assert r.status_code in expect, f"{method} {path}: {r.status_code} {r.text}"
    return r.json()


def sent_bodies(fleet, agency, event_type):
    with fleet.database(agency).engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT body, sent_at FROM fundlink_outbox WHERE event_type = :t ORDER BY id"),
                            {"t": event_type}).all()
    return [(json.loads(bytes(b)), sent_at) for b, sent_at in rows]


def benefits(fleet, id_number):
    return {s: b["status"] for s, b in call(fleet, "hs_center", "GET", f"/insured-benefits/{id_number}")[
        "benefits"].items()}


def test_a_death_record_from_civil_affairs_flags_benefits_and_only_the_officer_stops_them(fleet, keys_dir,
                                                                                         amqp_uri):
    fleet.start("hs_center", service_cls=Center)
    fleet.start("public_security")
    call(fleet, "hs_center", "POST", "/insured-benefits", {"benefits": [
        {"id_number": WANG, "scheme": "resident", "region_code": "460100"},
        {"id_number": LI, "scheme": "employee", "region_code": "460100"}]})
    call(fleet, "public_security", "POST", "/household-register", {"residents": [
        {"id_number": WANG, "region_code": "460100", "status": "living"},
        {"id_number": LI, "region_code": "460100", "status": "living"}]})

    asked = call(fleet, "hs_center", "POST", "/data-comparisons", {
        "request_id": "DC-2026-09-01", "purpose": "death", "queried": ["public_security", "civil_affairs"],
        "region_code": "460100", "id_numbers": [WANG, LI]})
    assert asked["person_count"] == 2

    # On the bus the persons are tokens with the purpose: no id number, no name.
    ((request, sent_at),) = wait_for(lambda: [r for r in sent_bodies(fleet, "hs_center", REQUESTED) if r[1]],
                                     message="the comparison request published")
    assert request["person_ids"] == [comparison_token("DC-2026-09-01", WANG), comparison_token("DC-2026-09-01", LI)]
    assert request["purpose"] == "death" and WANG not in json.dumps(request) and LI not in json.dumps(request)

    # The police answer from their register: both alive there, so for a death check they name nobody.
    view = wait_for(lambda: (v := call(fleet, "hs_center", "GET", "/data-comparisons/DC-2026-09-01"))["answers"]
                    .get("public_security") and v, message="public security's answer")
    assert view["answers"]["public_security"]["matches"] == 0 and view["waiting_for"] == ["civil_affairs"]
    assert call(fleet, "public_security", "GET", "/data-comparisons/DC-2026-09-01")["asked_count"] == 2

    # Civil affairs runs no service: it signs its answer with its own key (fundlink party send does the same).
    wang = comparison_token("DC-2026-09-01", WANG)
    publish_envelope(amqp_uri, signed(keys_dir, "civil_affairs", CIVIL_AFFAIRS, {
        "request_id": "DC-2026-09-01", "returned_at": "2026-09-20T11:00:00+08:00",
        "results": [{"person_id": wang, "status": "deceased", "effective_on": "2026-09-03",
                     "detail": "death registered"}]}, subject="DC-2026-09-01"))
    (review,) = wait_for(lambda: call(fleet, "hs_center", "GET", "/benefit-reviews?state=open")["reviews"],
                         message="a review of the deceased person's benefits")
    assert (review["department"], review["finding"], review["effective_on"]) == ("civil_affairs", "deceased",
                                                                                 "2026-09-03")
    assert review["person"] == "4601************27" and review["benefits_before"] == {"resident": "active"}

    # Flagged, not changed: both persons' benefits are as they were, and nothing was published about them.
    assert benefits(fleet, WANG) == {"resident": "active"}
    assert benefits(fleet, LI) == {"employee": "active"}
    answers = call(fleet, "hs_center", "GET", "/data-comparisons/DC-2026-09-01")
    assert answers["waiting_for"] == [] and answers["answers"]["civil_affairs"]["flagged"] == 1
    with fleet.database("hs_center").engine.connect() as conn:
        types = {t for (t,) in conn.execute(sa.text("SELECT DISTINCT event_type FROM fundlink_outbox"))}
    assert types == {REQUESTED}

    # An answer naming a person by id number instead of token breaks the contract and is refused whole.
    raw = signed(keys_dir, "civil_affairs", CIVIL_AFFAIRS, {
        "request_id": "DC-2026-09-01", "returned_at": "2026-09-20T11:05:00+08:00",
        "results": [{"person_id": LI, "status": "deceased", "effective_on": "2026-09-04"}]}, subject="DC-2026-09-01")
    publish_envelope(amqp_uri, raw)
    (letter,) = wait_for(lambda: [d for d in dead_letters(amqp_uri, "hs_center") if d.event_id == raw.id],
                         message="the answer with a raw id number dead-lettered")
    assert letter.kind == "schema" and "results.0.person_id" in letter.reason
    assert benefits(fleet, LI) == {"employee": "active"}

    # The officer decides: only now does the benefit stop.
    decided = call(fleet, "hs_center", "POST", f"/benefit-reviews/{review['review_id']}/decision", {
        "decision": "stop", "reason": "death confirmed with the civil affairs record of 2026-09-03",
        "decided_by": "officer.zhang"})
    assert decided["state"] == "decided" and decided["benefits_after"] == {"resident": "stopped"}
    after = call(fleet, "hs_center", "GET", f"/insured-benefits/{WANG}")["benefits"]["resident"]
    assert (after["status"], after["changed_by"]) == ("stopped", "officer.zhang")
    assert benefits(fleet, LI) == {"employee": "active"}
    again = fleet.post("hs_center", f"/benefit-reviews/{review['review_id']}/decision", json={
        "decision": "keep", "reason": "x", "decided_by": "officer.li"}, role="officer")
    assert again.status_code == 409, again.text


def test_tax_answers_a_duplicate_enrollment_check_from_its_payer_register(fleet):
    fleet.start("hs_center", service_cls=Center)
    fleet.start("tax")
    # HO-04 puts Zhao on tax's register twice, in two regions; Li once.
    for reg_id, payer, region in (("REG-1", ZHAO, "460100"), ("REG-2", ZHAO, "460200"), ("REG-3", LI, "460100")):
        call(fleet, "hs_center", "POST", "/registrations", {
            "registration_id": reg_id, "payer_id": payer, "payer_kind": "person", "scheme": "resident",
            "region_code": region, "insured_person_count": 1, "monthly_due_fen": 3_000, "change_type": "new",
            "effective_from": "2026-01-01", "applied_on": "2025-12-20"})
    wait_for(lambda: _acknowledged(fleet, 3), message="tax's acknowledgements of the three registrations")
    call(fleet, "hs_center", "POST", "/insured-benefits", {"benefits": [
        {"id_number": ZHAO, "scheme": "resident", "region_code": "460100"},
        {"id_number": LI, "scheme": "resident", "region_code": "460100"}]})

    call(fleet, "hs_center", "POST", "/data-comparisons", {
        "request_id": "DC-2026-09-02", "purpose": "duplicate_enrollment", "queried": ["tax"],
        "region_code": "460100", "id_numbers": [ZHAO, LI]})
    (review,) = wait_for(lambda: call(fleet, "hs_center", "GET", "/benefit-reviews?state=open")["reviews"],
                         message="a review of the person enrolled twice")
    assert (review["department"], review["finding"]) == ("tax", "enrolled_elsewhere")
    assert review["detail"] == "contributions collected: resident in 460100, resident in 460200"
    view = call(fleet, "hs_center", "GET", "/data-comparisons/DC-2026-09-02")
    assert sorted(m["status"] for m in view["matches"]) == ["enrolled_elsewhere", "found"]
    assert benefits(fleet, ZHAO) == {"resident": "active"}
    decided = call(fleet, "hs_center", "POST", f"/benefit-reviews/{review['review_id']}/decision", {
        "decision": "suspend", "reason": "enrolled in two regions; suspended until one enrollment ends",
        "decided_by": "officer.wu"})
    assert decided["benefits_after"] == {"resident": "suspended"}
    assert benefits(fleet, ZHAO) == {"resident": "suspended"}


def _acknowledged(fleet, n):
    with fleet.database("hs_center").engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM registration WHERE tax_status IS NOT NULL")).scalar_one() == n

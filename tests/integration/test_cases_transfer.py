"""Issue 7: a suspected-fraud case through the real services, broker and PostgreSQL, on a fixed clock.

Time is fixed by subclassing the services (their ``clock`` seam); the overdue sweep is called through a
test-only HTTP route with that clock, and the 5 s ``watch`` timer also runs on it.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest
from helpers import count, dead_letters, metric_value, publish_envelope, signed, wait_for
from kombu import Connection, Queue

from services.health_commission.service import HealthCommissionService
from services.healthcare_security.service import HealthcareSecurityService
from services.public_security.service import PublicSecurityService
from shared.bus.envelope import source_for
from shared.bus.runtime import http
from shared.bus.topology import events_exchange
from shared.deadlines import SHANGHAI

RECEIPT = "fundlink.public_security.case.receipt_signed.v1"
TRANSFER = "fundlink.healthcare_security.case.transferred_to_police.v1"
HS, PS = source_for("healthcare_security"), source_for("public_security")


class Clock:
    now = datetime(2026, 9, 28, 9, 0, tzinfo=SHANGHAI)


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


class BureauOnFixedClock(HealthcareSecurityService):
    def clock(self):
        return Clock.now

    def watch_deadlines(self, now):
        super().watch_deadlines(self.clock())

    @http("POST", "/test/sweep")
    def sweep(self, request):
        self.watch_deadlines(self.clock())
        return {"swept_at": self.clock().isoformat()}


class PoliceOnFixedClock(PublicSecurityService):
    def clock(self):
        return Clock.now


class HealthCommissionOnFixedClock(HealthCommissionService):
    def clock(self):
        return Clock.now


# --- helpers -------------------------------------------------------------------------------------------------


class Tap:
    """A queue bound to every hand-off on the exchange: what the bus carried, in order."""

    def __init__(self, amqp_uri):
        self.uri, self.name = amqp_uri, f"test.tap.{uuid.uuid4().hex[:8]}"
        with Connection(self.uri) as conn:
            Queue(self.name, exchange=events_exchange, routing_key="#", durable=False)(conn.channel()).declare()

    def messages(self):
        out = []
        with Connection(self.uri) as conn:
            queue = Queue(self.name, exchange=events_exchange, routing_key="#")(conn.channel())
            while (m := queue.get(no_ack=True)) is not None:
                out.append((m.headers.get("ce-type"), m.headers.get("ce-source"), m.body))
        return out

    def close(self):
        with Connection(self.uri) as conn:
            conn.channel().queue_delete(self.name)


@pytest.fixture
def tap(amqp_uri):
    t = Tap(amqp_uri)
    yield t
    t.close()


def post(fleet, agency, path, body=None, expect=(200, 201, 202)):
    r = fleet.post(agency, path, json=body if body is not None else {}, timeout=15)
    assert r.status_code in expect, r.text
    return r.json()


def case_of(fleet, case_id):
    return fleet.get("healthcare_security", f"/cases/{case_id}", timeout=10).json()


def wait_state(fleet, case_id, state):
    return wait_for(lambda: (c := case_of(fleet, case_id))["state"] == state and c, message=f"{case_id} {state}")


def sha(n):
    return f"{n:064x}"


def transfer_report():
    return {
        "officers": ["officer Wang", "officer Li"],
        "suspect": {"kind": "unit", "name": "Haikou Kangning Hospital", "id_number": "91460100MA5T00001X"},
        "facts_summary": "ghost admissions billed to the pool fund", "amount_defrauded_fen": 1_250_000,
        "conduct_period": "2025-01/2025-12", "legal_basis": ["Criminal Law art. 266"],
        "attachments": [
            {"kind": "transfer_letter", "document_id": "store://cases/C/letter", "title": "letter.pdf",
             "sha256": sha(1), "size_bytes": 2048},
            {"kind": "investigation_report", "document_id": "store://cases/C/report", "title": "report.pdf",
             "sha256": sha(2), "size_bytes": 4096},
        ],
    }


def flagged_case(fleet, case_id):
    """Open, file, investigate and find 12,500 yuan: over the 5,000-yuan threshold, so flagged."""
    post(fleet, "healthcare_security", "/cases", {"case_id": case_id, "region_code": "460100"})
    post(fleet, "healthcare_security", f"/cases/{case_id}/filing", {"filed_by": "section chief Zhao"})
    post(fleet, "healthcare_security", f"/cases/{case_id}/investigation", {"officers": ["officer Wang", "officer Li"]})
    case = post(fleet, "healthcare_security", f"/cases/{case_id}/findings", {"amount_defrauded_fen": 1_250_000})
    assert case["transfer_required"] is True
    return case


def transfer_on(fleet, case_id, approved, transferred):
    """Report and approval, then the transfer itself at ``transferred``; waits for the police receipt."""
    flagged_case(fleet, case_id)
    post(fleet, "healthcare_security", f"/cases/{case_id}/transfer-report", transfer_report())
    Clock.now = approved
    post(fleet, "healthcare_security", f"/cases/{case_id}/transfer-decision",
         {"decided_by": "director Sun", "approve": True})
    Clock.now = transferred
    post(fleet, "healthcare_security", f"/cases/{case_id}/transfer")
    return wait_state(fleet, case_id, "police_reviewing")


def start_bureau_and_police(fleet):
    fleet.start("healthcare_security", BureauOnFixedClock)
    fleet.start("public_security", PoliceOnFixedClock)


def entry(case, step):
    return next(e for e in case["timeline"] if e["step"].startswith(step))


# --- the scenario --------------------------------------------------------------------------------------------


def test_transfer_receipt_not_filed_reconsideration_filed_evidence_on_the_timeline(fleet, tap):
    start_bureau_and_police(fleet)
    Clock.now = at(2026, 9, 28, 9)
    transfer_on(fleet, "C-100", approved=at(2026, 9, 29, 10), transferred=at(2026, 9, 30, 9))

    Clock.now = at(2026, 10, 8, 15)
    post(fleet, "public_security", "/cases/C-100/filing-decision",
         {"decision": "not_filed", "reasons": "amount not proven", "files_returned": True})
    case = wait_state(fleet, "C-100", "not_filed")
    # 3 days from Thu Oct 8 end on Sun Oct 11, a rest day (Sat Oct 10 is a make-up working day): Mon Oct 12.
    assert entry(case, "not_filed")["deadline"]["due_at"] == "2026-10-12T23:59:59.999999+08:00"

    Clock.now = at(2026, 10, 9, 9)
    post(fleet, "healthcare_security", "/cases/C-100/reconsideration", {"grounds": "ledgers show 12,500 yuan"})
    wait_for(lambda: fleet.get("public_security", "/cases/C-100").json()["state"]
             == "reconsideration_requested", message="the police to receive the request")
    Clock.now = at(2026, 10, 10, 10)  # a make-up working Saturday
    post(fleet, "public_security", "/cases/C-100/reconsideration-decision",
         {"decision": "reversed", "reasons": "ledgers confirm the amount", "police_case_number": "HK-2026-0077"})
    case = wait_state(fleet, "C-100", "filed_by_police")
    assert entry(case, "filed_on_reconsideration")["deadline"]["due_at"] == "2026-10-13T23:59:59.999999+08:00"

    Clock.now = at(2026, 10, 12, 9)
    post(fleet, "healthcare_security", "/cases/C-100/evidence-handover", {"handover_id": "H-1", "items": [
        {"kind": "document", "description": "ledgers 2025", "document_id": "store://cases/C/ledgers"},
        {"kind": "seized_item", "description": "billing server disk"}]})
    case = wait_for(lambda: (c := case_of(fleet, "C-100"))["timeline"][-1]["step"] == "evidence_received: H-1" and c,
                    message="the police's confirmation of the evidence")

    steps = [(e["step"], e["party"], e["handoff"]) for e in case["timeline"]]
    assert steps == [
        ("lead_registered", "healthcare_security", None),
        ("filed", "healthcare_security", None),
        ("investigation_started", "healthcare_security", None),
        ("transfer_condition_met", "healthcare_security", None),
        ("transfer_report_submitted", "healthcare_security", None),
        ("transfer_approved", "healthcare_security", None),
        ("transferred_to_police", "healthcare_security", "healthcare_security.case.transferred_to_police"),
        ("receipt_signed", "public_security", "public_security.case.receipt_signed"),
        ("police_reviewing", "public_security", None),
        ("not_filed (files returned): amount not proven", "public_security", "public_security.case.filing_decided"),
        ("reconsideration_requested", "healthcare_security", "healthcare_security.case.reconsideration_requested"),
        ("filed_on_reconsideration", "public_security", "public_security.case.reconsideration_decided"),
        ("evidence_handed_over", "healthcare_security", "healthcare_security.case.evidence_handed_over"),
        ("evidence_received: H-1", "public_security", "public_security.case.evidence_received"),
    ]
    dues = {e["step"]: (e["deadline"] or {}).get("due_at") for e in case["timeline"]}
    assert dues["transfer_report_submitted"] == "2026-10-08T23:59:59.999999+08:00"  # 3 days, rolled past the holiday
    assert dues["transfer_approved"] == "2026-09-30T10:00:00+08:00"  # 24 hours
    assert dues["transferred_to_police"] == "2026-10-01T09:00:00+08:00"  # receipt within 24 hours
    assert dues["police_reviewing"] == "2026-10-08T23:59:59.999999+08:00"
    assert entry(case, "reconsideration_requested")["deadline"]["due_at"] == "2026-10-12T23:59:59.999999+08:00"
    assert all(e["deadline_state"] in ("met", None) for e in case["timeline"]), case["timeline"]
    assert entry(case, "transfer_approved")["signed_by"] == "director Sun"
    assert case["open_deadlines"] == []

    # Every hand-off crossed the bus once, signed by its producer.
    messages = tap.messages()
    carried = [(t, s) for t, s, _ in messages]
    assert carried == [
        (TRANSFER, HS),
        (RECEIPT, PS),
        ("fundlink.public_security.case.filing_decided.v1", PS),
        ("fundlink.healthcare_security.case.reconsideration_requested.v1", HS),
        ("fundlink.public_security.case.reconsideration_decided.v1", PS),
        ("fundlink.healthcare_security.case.evidence_handed_over.v1", HS),
        ("fundlink.public_security.case.evidence_received.v1", PS),
    ]
    transfer = json.loads(next(b for t, _, b in messages if t == TRANSFER))
    assert transfer["suspect"] == transfer_report()["suspect"]
    assert [(a["kind"], a["sha256"], a["document_id"]) for a in transfer["attachments"]] == [
        ("transfer_letter", sha(1), "store://cases/C/letter"), ("investigation_report", sha(2), "store://cases/C/report")]


def test_the_cli_shows_the_timeline_and_lists_overdue_cases(fleet, monkeypatch):
    from typer.testing import CliRunner

    from shared.cli_cases import case_app

    start_bureau_and_police(fleet)
    monkeypatch.setenv("HEALTHCARE_SECURITY_WEB_SERVER_ADDRESS", fleet.settings["healthcare_security"].web_address)
    monkeypatch.setenv("HEALTHCARE_SECURITY_FUNDLINK_TOKEN", fleet.token("healthcare_security", "head"))
    Clock.now = at(2026, 9, 28, 9)
    runner = CliRunner()
    assert runner.invoke(case_app, ["open", "C-300", "--region", "460100"]).exit_code == 0
    post(fleet, "healthcare_security", "/cases/C-300/filing", {"filed_by": "section chief Zhao"})
    post(fleet, "healthcare_security", "/cases/C-300/investigation", {"officers": ["officer Wang", "officer Li"]})
    post(fleet, "healthcare_security", "/cases/C-300/findings", {"amount_defrauded_fen": 1_250_000})
    report = fleet.settings["healthcare_security"].keys_dir / "C-300.json"
    report.write_text(json.dumps(transfer_report()))
    result = runner.invoke(case_app, ["transfer", "C-300", "--report", str(report), "--approved-by", "director Sun"])
    assert result.exit_code == 0, result.output
    wait_state(fleet, "C-300", "police_reviewing")
    shown = runner.invoke(case_app, ["show", "C-300", "--json"])
    timeline = json.loads(shown.output)["timeline"]
    assert [e["step"] for e in timeline][-3:] == ["transferred_to_police", "receipt_signed", "police_reviewing"]
    assert runner.invoke(case_app, ["show", "C-300"]).exit_code == 0
    assert "C-300" not in runner.invoke(case_app, ["list", "--overdue"]).output
    Clock.now = at(2026, 10, 10, 0, 0, 1)
    assert "C-300" in runner.invoke(case_app, ["list", "--overdue"]).output
    assert runner.invoke(case_app, ["show", "C-404"]).exit_code == 1


# --- the statutory clock --------------------------------------------------------------------------------------


def test_a_transfer_on_the_last_working_day_before_national_day_is_due_after_the_holiday(fleet):
    """Wed 2026-09-30 is the last working day before National Day (Oct 1–7). The police's 3 days end on
    Sat Oct 3, a holiday, so the decision is due on the first working day after it: Thu 2026-10-08."""
    start_bureau_and_police(fleet)
    Clock.now = at(2026, 9, 28, 9)
    case = transfer_on(fleet, "C-200", approved=at(2026, 9, 29, 16), transferred=at(2026, 9, 30, 11))
    due = entry(case, "police_reviewing")["deadline"]
    assert (due["kind"], due["starts_at"], due["due_at"]) == (
        "calendar", "2026-09-30T11:00:00+08:00", "2026-10-08T23:59:59.999999+08:00")
    assert "2026-10-03 is a rest day, rolled to 2026-10-08" in due["rule"]
    police = fleet.get("public_security", "/cases/C-200").json()
    assert police["filing_due"]["due_at"] == "2026-10-08T23:59:59.999999+08:00"


def test_police_that_never_answer_make_the_case_overdue_at_the_right_moment(fleet):
    start_bureau_and_police(fleet)
    Clock.now = at(2026, 9, 28, 9)
    transfer_on(fleet, "C-201", approved=at(2026, 9, 29, 16), transferred=at(2026, 9, 30, 11))
    overdue_gauge = dict(name="fundlink_deadlines_overdue", kind="police_filing_decision")

    Clock.now = at(2026, 10, 8, 23, 59, 59)  # the last second of the last day: still on time
    post(fleet, "healthcare_security", "/test/sweep")
    assert case_of(fleet, "C-201")["state"] == "police_reviewing"
    assert metric_value(fleet, "healthcare_security", **overdue_gauge) == 0
    assert metric_value(fleet, "healthcare_security", "fundlink_deadlines_open", kind="police_filing_decision") == 1

    Clock.now = at(2026, 10, 9, 0, 0, 0)
    post(fleet, "healthcare_security", "/test/sweep")
    case = case_of(fleet, "C-201")
    assert case["state"] == "police_decision_overdue"
    last = case["timeline"][-1]
    assert (last["step"], last["handoff"]) == ("police_decision_overdue",
                                               "healthcare_security.case.police_decision_overdue")
    alerts = fleet.get("healthcare_security", "/alerts").json()["alerts"]
    assert [(a["subject_id"], a["deadline"], a["notice"], a["due_at"]) for a in alerts] == [
        ("C-201", "police_filing_decision", "healthcare_security.case.police_decision_overdue",
         "2026-10-08T15:59:59.999999+00:00")]
    assert metric_value(fleet, "healthcare_security", **overdue_gauge) == 1
    # The 5 s timer sweeps on the same clock: one alert per missed limit, however often it runs.
    post(fleet, "healthcare_security", "/test/sweep")
    assert len(fleet.get("healthcare_security", "/alerts").json()["alerts"]) == 1

    # The procuratorate may now be asked to supervise filing; a late police decision still counts.
    Clock.now = at(2026, 10, 9, 15)
    post(fleet, "public_security", "/cases/C-201/filing-decision", {"decision": "filed"})
    wait_state(fleet, "C-201", "filed_by_police")
    post(fleet, "healthcare_security", "/test/sweep")
    assert metric_value(fleet, "healthcare_security", **overdue_gauge) == 0


# --- idempotence and refusals ----------------------------------------------------------------------------------


def test_a_duplicate_receipt_changes_nothing(fleet, keys_dir, amqp_uri):
    start_bureau_and_police(fleet)
    Clock.now = at(2026, 9, 28, 9)
    before = transfer_on(fleet, "C-202", approved=at(2026, 9, 29, 16), transferred=at(2026, 9, 30, 11))
    police = fleet.get("public_security", "/cases/C-202").json()
    again = signed(keys_dir, "public_security", RECEIPT, {
        "case_id": "C-202", "receipt_id": police["receipt_id"], "receiving_unit": police["receiving_unit"],
        "received_at": "2026-09-30T11:00:00+08:00"}, subject="C-202")
    publish_envelope(amqp_uri, again)
    publish_envelope(amqp_uri, again)  # the same message twice: the inbox drops the repeat
    consumed = dict(event_type=RECEIPT)
    wait_for(lambda: metric_value(fleet, "healthcare_security", "fundlink_handoffs_consumed_total",
                                  outcome="processed", **consumed) == 2
             and metric_value(fleet, "healthcare_security", "fundlink_handoffs_consumed_total",
                              outcome="duplicate", **consumed) == 1, message="both repeats handled")
    assert case_of(fleet, "C-202") == before
    assert dead_letters(amqp_uri, "healthcare_security") == []
    assert count(fleet.database("public_security"), "fundlink_outbox", f"event_type = '{RECEIPT}'") == 1


def test_a_receipt_for_an_unknown_case_is_dead_lettered_with_the_reason(fleet, keys_dir, amqp_uri):
    fleet.start("healthcare_security", BureauOnFixedClock, delivery_limit=2)
    env = signed(keys_dir, "public_security", RECEIPT, {
        "case_id": "C-NOPE", "receipt_id": "R-C-NOPE", "receiving_unit": "economic crime unit",
        "received_at": "2026-09-30T11:00:00+08:00"}, subject="C-NOPE")
    publish_envelope(amqp_uri, env)
    (letter,) = wait_for(lambda: dead_letters(amqp_uri, "healthcare_security"), message="the dead letter")
    assert letter.event_id == env.id and letter.kind == "handler_failed"
    assert "receipt for unknown case 'C-NOPE'" in letter.reason
    assert count(fleet.database("healthcare_security"), "enforcement_case") == 0


def test_a_penalty_cannot_close_a_case_flagged_for_transfer(fleet):
    fleet.start("healthcare_security", BureauOnFixedClock)
    Clock.now = at(2026, 9, 1, 9)
    flagged_case(fleet, "C-203")
    for path, body in [("prior-notice", {}), ("no-penalty", {"reasons": "small amount"}),
                       ("closure", {"closed_by": "director Sun"})]:
        r = fleet.post("healthcare_security", f"/cases/C-203/{path}", json=body, timeout=10)
        assert r.status_code == 409, (path, r.text)
        assert "Decree 310 art. 11" in r.json()["message"], r.text
    assert case_of(fleet, "C-203")["state"] == "investigating"


def test_bad_transfer_report_gets_422_naming_the_field(fleet):
    fleet.start("healthcare_security", BureauOnFixedClock)
    Clock.now = at(2026, 9, 1, 9)
    flagged_case(fleet, "C-204")
    report = transfer_report()
    report["attachments"][0]["sha256"] = "not-a-digest"
    r = fleet.post("healthcare_security", "/cases/C-204/transfer-report", json=report, timeout=10)
    assert r.status_code == 422 and "sha256" in r.json()["message"]
    report = transfer_report()
    report["attachments"] = report["attachments"][:1] + [dict(report["attachments"][1], kind="other_evidence")]
    r = fleet.post("healthcare_security", "/cases/C-204/transfer-report", json=report, timeout=10)
    assert r.status_code == 409 and "investigation_report" in r.json()["message"]

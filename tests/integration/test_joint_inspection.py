"""HO-33 joint inspection (联合检查) through the real bus and databases: the bureau invites departments, each
invited one keeps the invitation, answers it and reports its findings, the bureau sees who accepted and reported
and sends back the consolidated result. Refusals: a department not invited cannot answer or report; bad input is
a clear 4xx and changes nothing; the same invitation delivered twice takes effect once; the result waits for a
department that accepted, unless the officer states a reason."""

from __future__ import annotations

from datetime import date, timedelta

from helpers import count, outbox_rows, publish_envelope, signed, wait_for

BUREAU = "healthcare_security"
INVITED = "fundlink.healthcare_security.joint_inspection.invited.v1"


def call(fleet, agency, method, path, body=None, expect=(200, 201, 202)):
    r = fleet.call(method, agency, path, json=body, role="officer")
    assert r.status_code in expect, f"{agency} {method} {path}: {r.status_code} {r.text}"
    return r.json()


def refused(fleet, agency, path, body, status, words):
    r = fleet.post(agency, path, json=body, role="officer")
    assert r.status_code == status and words in r.json()["message"], f"{agency} POST {path}: {r.status_code} {r.text}"


def received(fleet, agency, event_type):
    r = fleet.get(agency, "/audit?limit=10000", role="auditor")
    return any(e["kind"] == "received" and e["action"] == event_type for e in r.json()["entries"])


def invite(fleet, inspection_id, invited):
    return call(fleet, BUREAU, "POST", "/joint-inspections", {
        "inspection_id": inspection_id, "region_code": "460100", "inspection_kind": "special",
        "target_kind": "pharmacy", "target_id": "P46010077", "target_name": "Haikou Renmin Pharmacy",
        "scheduled_for": (date.today() + timedelta(days=10)).isoformat(), "invited": invited,
        "scope": "prescription drugs sold against medical-insurance cards"})


def test_invited_departments_answer_report_and_receive_the_consolidated_result(fleet):
    for agency in (BUREAU, "health_commission", "market_regulation", "finance"):
        fleet.start(agency)
    invite(fleet, "JI-IT-1", ["health_commission", "market_regulation"])
    path = "/joint-inspections/JI-IT-1"
    for agency in ("health_commission", "market_regulation"):
        kept = wait_for(lambda a=agency: (r := fleet.get(a, path, role="officer")).ok and r.json(),
                        message=f"{agency} keeps the invitation")
        assert kept["state"] == "invited" and kept["invitation"]["target_id"] == "P46010077"

    # finance was not invited: it processed the invitation, holds nothing, and cannot answer or report.
    wait_for(lambda: received(fleet, "finance", INVITED), message="finance processed the invitation")
    assert fleet.get("finance", path, role="officer").status_code == 404
    refused(fleet, "finance", f"{path}/acceptance", {"decision": "accepted"}, 404, "holds no invitation")
    refused(fleet, "finance", f"{path}/findings", {"findings": []}, 404, "holds no invitation")
    assert outbox_rows(fleet.database("finance"), "finance.joint_inspection.findings_reported.v1") == []

    # Bad input: a clear 422, nothing kept, nothing published.
    hc = "health_commission"
    refused(fleet, hc, f"{path}/acceptance", {"decision": "maybe"}, 422, "decision")
    refused(fleet, hc, f"{path}/acceptance", {"decision": "declined"}, 422, "reason")
    refused(fleet, hc, f"{path}/acceptance", {"decision": "accepted", "inspection_id": "JI-X"}, 422, "inspection_id")
    refused(fleet, hc, f"{path}/findings", {"findings": [{"finding_id": "F1", "description": "x",
                                                          "follow_up": "shrug"}]}, 422, "follow_up")
    # Findings before accepting are refused by state.
    refused(fleet, hc, f"{path}/findings", {"findings": []}, 409, "not accepted")
    assert fleet.get(hc, path, role="officer").json()["state"] == "invited"
    assert outbox_rows(fleet.database(hc)) == []

    accepted = call(fleet, hc, "POST", f"{path}/acceptance",
                    {"decision": "accepted", "staff_count": 2, "contact_unit": "Medical Administration Division"})
    assert accepted["state"] == "accepted" and accepted["answer"]["staff_count"] == 2
    refused(fleet, hc, f"{path}/acceptance", {"decision": "declined", "reason": "changed mind"}, 409,
            "already answered")
    call(fleet, "market_regulation", "POST", f"{path}/acceptance", {"decision": "accepted", "staff_count": 1})

    # health_commission reports; market_regulation has not: the result is refused until it does or a reason is given.
    finding = {"finding_id": "HC-F1", "description": "unlicensed pharmacist dispensing", "follow_up": "own_enforcement"}
    refused(fleet, hc, f"{path}/findings", {"findings": [finding, finding]}, 422, "repeats")
    reported = call(fleet, hc, "POST", f"{path}/findings", {"findings": [finding]})
    assert reported["state"] == "findings_reported"
    refused(fleet, hc, f"{path}/findings", {"findings": []}, 409, "already reported")

    view = wait_for(lambda: (v := call(fleet, BUREAU, "GET", path))["accepted"] == [hc, "market_regulation"]
                    and v["reported"] == [hc] and v, message="the bureau sees both answers and one report")
    assert view["awaiting_findings"] == ["market_regulation"] and view["unanswered"] == []
    assert view["departments"][hc]["findings"]["findings"] == [finding]
    result = {"findings": [{"finding_id": "J1", "description": "unlicensed pharmacist dispensing",
                            "amount_fen": 120_000, "lead_agency": hc}]}
    refused(fleet, BUREAU, f"{path}/findings", result, 409, "market_regulation accepted")
    refused(fleet, BUREAU, f"{path}/findings", {"findings": [{**result["findings"][0], "lead_agency": "finance"}]},
            422, "did not take part")
    assert count(fleet.database(BUREAU), "joint_inspection_result") == 0

    # The market regulator's findings arrive: the result goes out to both, and only once.
    call(fleet, "market_regulation", "POST", f"{path}/findings", {"findings": []})
    wait_for(lambda: call(fleet, BUREAU, "GET", path)["awaiting_findings"] == [],
             message="the bureau has both reports")
    issued = call(fleet, BUREAU, "POST", f"{path}/findings", result)
    assert issued["result"]["missing"] == [] and issued["result"]["reason"] is None
    refused(fleet, BUREAU, f"{path}/findings", result, 409, "already issued")
    for agency in (hc, "market_regulation"):
        got = wait_for(lambda a=agency: (v := call(fleet, a, "GET", path))["result"] and v,
                       message=f"{agency} keeps the consolidated result")
        assert got["state"] == "closed" and got["result"]["target_id"] == "P46010077"
        assert got["to_follow_up"] == (result["findings"] if agency == hc else [])


def test_the_result_without_a_silent_department_needs_a_reason(fleet):
    for agency in (BUREAU, "public_security"):
        fleet.start(agency)
    invite(fleet, "JI-IT-2", ["public_security"])
    path = "/joint-inspections/JI-IT-2"
    wait_for(lambda: fleet.get("public_security", path, role="officer").ok, message="the police keep the invitation")
    call(fleet, "public_security", "POST", f"{path}/acceptance", {"decision": "accepted", "staff_count": 3})
    wait_for(lambda: call(fleet, BUREAU, "GET", path)["awaiting_findings"] == ["public_security"],
             message="the bureau has the police's acceptance")
    result = {"findings": [{"finding_id": "J1", "description": "ghost inpatients", "lead_agency": BUREAU}]}
    refused(fleet, BUREAU, f"{path}/findings", result, 409, "state a reason")
    issued = call(fleet, BUREAU, "POST", f"{path}/findings",
                  {**result, "reason": "the police did not report by the agreed date"})
    assert issued["result"]["missing"] == ["public_security"]
    assert issued["result"]["reason"] == "the police did not report by the agreed date"
    wait_for(lambda: call(fleet, "public_security", "GET", path)["result"], message="the police keep the result")


def test_the_same_invitation_delivered_twice_takes_effect_once(fleet, amqp_uri, keys_dir):
    fleet.start("market_regulation")
    data = {"inspection_id": "JI-IT-3", "region_code": "460100", "inspection_kind": "routine",
            "target_kind": "institution", "target_id": "H46010003", "target_name": "Haikou Third Hospital",
            "scheduled_for": "2026-12-15", "invited": ["market_regulation"], "scope": "drug purchase invoices",
            "invited_at": "2026-11-20T09:00:00+08:00"}
    first = signed(keys_dir, BUREAU, INVITED, data, subject="JI-IT-3")
    publish_envelope(amqp_uri, first)
    publish_envelope(amqp_uri, first)  # a redelivery of the same event
    # The same inspection sent again as a new event, with another scope: the first one kept stands.
    publish_envelope(amqp_uri, signed(keys_dir, BUREAU, INVITED, {**data, "scope": "changed"}, subject="JI-IT-3"))
    db = fleet.database("market_regulation")
    wait_for(lambda: count(db, "fundlink_inbox") >= 2, message="both invitation events processed")
    assert count(db, "joint_inspection") == 1
    kept = call(fleet, "market_regulation", "GET", "/joint-inspections/JI-IT-3")
    assert kept["invitation"]["scope"] == "drug purchase invoices" and kept["state"] == "invited"

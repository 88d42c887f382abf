"""HO-01 at volume: a detailed feed pushed with `fundlink tax push`, through the real
broker, the center's PostgreSQL and tax's service (HO-02, HO-03, HO-35); then tax's
answers around it: corrections (HO-03), enrollment (HO-04), the treasury's report (HO-05)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from helpers import feed_payload, outbox_rows, publish_envelope, signed, wait_for
from kombu import Connection, Queue

from shared.bus.topology import events_exchange
from shared.push.sample import write_sample

ROOT = Path(__file__).resolve().parents[2]
FUNDLINK = [sys.executable, "-c", "from shared.entry import main; main()"]
RECONCILED = "fundlink.hs_center.collection.reconciled.v1"
REPORTED = "fundlink.hs_center.collection.discrepancy_reported.v1"


def push_command(fleet, keys_dir, feed, *extra):
    return [*FUNDLINK, "tax", "push", str(feed), "--region", "460000", "--level", "province",
            "--treasury-code", "HK-0101", *extra], {**os.environ, "AMQP_URI": fleet.amqp_uri,
                                                     "FUNDLINK_KEYS_DIR": str(keys_dir)}


def push(fleet, keys_dir, feed, *extra, timeout=300):
    cmd, env = push_command(fleet, keys_dir, feed, *extra)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    verdict = json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else None
    return done, verdict


def start_pair(fleet, tmp_path, lines, **sample):
    fleet.start("hs_center")
    fleet.start("tax")
    s = write_sample(tmp_path / "feed.csv", tmp_path / "registry.csv", lines=lines, **sample)
    with open(s.registry, "rb") as body:
        r = fleet.post("hs_center", "/registry.csv", data=body, timeout=300)
    assert r.status_code == 200 and r.json()["bad_count"] == 0, r.text
    return s


def center_sql(fleet, query, **params):
    with fleet.database("hs_center").engine.connect() as conn:
        return conn.execute(sa.text(query), params).all()


def stored_lines(fleet, feed_id):
    (row,) = center_sql(fleet, "SELECT count(*), count(DISTINCT l.line_no) FROM feed_line l JOIN detail_feed f "
                               "USING (feed_no) WHERE f.feed_id = :f", f=feed_id)
    return tuple(row)


def report_items(fleet, feed_id):
    items, after = [], 0
    while page := fleet.get("hs_center", f"/feeds/{feed_id}/discrepancies",
                               params={"after": after, "limit": 500}, timeout=30).json()["items"]:
        items += page
        after = int(page[-1]["item_id"])
    return items


@pytest.fixture
def bureau_tap(amqp_uri):
    """Stands in for the bureau's queue so tax's HO-35 referrals are routable and can be read."""
    queue = Queue("test.tax_feed.bureau_tap", exchange=events_exchange, durable=False, auto_delete=False,
                  routing_key="tax.employer_violation.referred.v1.#")
    with Connection(amqp_uri) as conn:
        queue(conn.channel()).declare()
        queue(conn.channel()).purge()
    yield queue
    with Connection(amqp_uri) as conn:
        queue(conn.channel()).delete()


def tap_count(amqp_uri, queue):
    with Connection(amqp_uri) as conn:
        return queue(conn.channel()).queue_declare(passive=True).message_count


def test_a_100k_line_feed_is_reconciled_to_exactly_the_planted_discrepancies(fleet, keys_dir, tmp_path,
                                                                              bureau_tap):
    sample = start_pair(fleet, tmp_path, 100_000, seed=7, planted_per_kind=25, bad_lines=3)

    done, verdict = push(fleet, keys_dir, sample.feed, "--feed-id", "FEED-460000-2026-10")
    assert done.returncode == 0, done.stderr
    assert verdict["status"] == "discrepancies" and verdict["line_count"] == 100_000
    assert verdict["discrepancy_count"] == 100
    # Bad lines are reported with their line number and reason, kept aside, and never stop the good ones.
    assert "3 bad line(s) left out" in done.stderr and "is not an 18-character" in done.stderr
    rejected = (tmp_path / "feed.csv.rejected.csv").read_text().splitlines()
    assert len(rejected) == 4 and rejected[1].split(",")[0].isdigit()

    planted = {(kind, payer, scheme) for kind, pairs in sample.planted.items() for payer, scheme in pairs}
    found = {(i["kind"], i["payer_id"], i["scheme"]) for i in report_items(fleet, "FEED-460000-2026-10")}
    assert found == planted
    assert stored_lines(fleet, "FEED-460000-2026-10") == (100_000, 100_000)
    # The record keeps every chunk's signed body, written lz4-compressed (shared/db.py: 1 ms, not pglz's 5).
    assert center_sql(fleet, "SELECT DISTINCT pg_column_compression(body) FROM fundlink_audit WHERE event_type = :t",
                      t="fundlink.tax.collection.feed_chunk_published.v1") == [("lz4",)]

    # Tax gets the answer and the whole report; the bureau gets the unregistered employers (HO-35).
    tax_feed = wait_for(lambda: (f := fleet.get("tax", "/feeds/FEED-460000-2026-10").json())
                        .get("status") == "discrepancies_reported" and f, message="tax to record the answer")
    assert tax_feed["reconciliation"]["discrepancy_count"] == 100
    report = wait_for(lambda: (r := fleet.get("tax", "/discrepancies/DISC-FEED-460000-2026-10")
                               .json()).get("received_parts") == r.get("parts") and r, message="every report part")
    assert len(report["items"]) == 100
    employers = [i for i in report["items"] if i["kind"] == "unknown_payer" and i["payer_kind"] == "employer"]
    assert all(i["responsible"] == "healthcare_security" for i in report["items"] if i["kind"] == "unknown_payer")
    assert {i["responsible"] for i in report["items"] if i["kind"] != "unknown_payer"} == {"tax"}
    wait_for(lambda: tap_count(fleet.amqp_uri, bureau_tap) == len(employers), message="HO-35 referrals")

    # Pushing the same feed again changes nothing and gets the same answer.
    reports_before = len(outbox_rows(fleet.database("hs_center"), REPORTED))
    done, again = push(fleet, keys_dir, sample.feed, "--feed-id", "FEED-460000-2026-10")
    assert done.returncode == 0, done.stderr
    assert (again["status"], again["discrepancy_count"]) == ("discrepancies", 100)
    assert stored_lines(fleet, "FEED-460000-2026-10") == (100_000, 100_000)
    assert len(outbox_rows(fleet.database("hs_center"), REPORTED)) == reports_before


def test_a_push_killed_halfway_resumes_and_the_center_holds_each_line_once(fleet, keys_dir, tmp_path):
    sample = start_pair(fleet, tmp_path, 100_000, seed=11, planted_per_kind=5)
    state = tmp_path / "feed.csv.push-state.json"
    cmd, env = push_command(fleet, keys_dir, sample.feed, "--feed-id", "F-KILL", "--chunk-size", "500",
                            "--window", "1")
    first = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: state.exists() and json.loads(state.read_text())["confirmed"] >= 40, interval=0.01,
                 message="the first run to get some chunks confirmed")
        first.send_signal(signal.SIGKILL)
    finally:
        first.wait(timeout=30)
    confirmed = json.loads(state.read_text())["confirmed"]
    assert first.returncode == -signal.SIGKILL and 40 <= confirmed < 200

    done, verdict = push(fleet, keys_dir, sample.feed, "--feed-id", "F-KILL", "--chunk-size", "500")
    assert done.returncode == 0, done.stderr
    assert f"resumed after chunk {confirmed}" in done.stderr
    assert (verdict["status"], verdict["line_count"], verdict["discrepancy_count"]) == ("discrepancies", 100_000, 20)
    assert stored_lines(fleet, "F-KILL") == (100_000, 100_000)
    assert center_sql(fleet, "SELECT count(*) FROM feed_chunk c JOIN detail_feed f USING (feed_no) "
                             "WHERE f.feed_id = 'F-KILL'") == [(200,)]


def test_a_dropped_chunk_is_seen_as_a_gap_and_fetched_again(fleet, keys_dir, tmp_path):
    sample = start_pair(fleet, tmp_path, 20_000, seed=5, planted_per_kind=0)

    done, verdict = push(fleet, keys_dir, sample.feed, "--feed-id", "F-GAP", "--chunk-size", "1000",
                         "--drop-chunk", "3")
    assert done.returncode == 0, done.stderr
    assert "1 sent again on the center's request" in done.stderr
    assert verdict["status"] == "matched" and stored_lines(fleet, "F-GAP") == (20_000, 20_000)
    answers = [json.loads(bytes(body)) for (body,) in center_sql(
        fleet, "SELECT body FROM fundlink_outbox WHERE event_type = :t ORDER BY id", t=RECONCILED)]
    gaps = [a for a in answers if a["status"] == "incomplete"]
    assert gaps and all(3 in a["missing_chunks"] for a in gaps)
    assert answers[-1]["status"] == "matched"


def _manifest_with(sample, **wrong):
    from shared.push.feedfile import FeedScan, read_chunks, totals_payload

    scan = FeedScan()
    for _ in read_chunks(sample.feed, 5000, scan):
        pass
    manifest = {"line_count": scan.line_count, "lines_sha256": scan.lines_sha256, "lines": totals_payload(scan.totals)}
    if "employee_fen" in wrong:
        employee = next(line for line in manifest["lines"] if line["scheme"] == "employee")
        employee["amount_collected_fen"] += wrong.pop("employee_fen")
    return {**manifest, **wrong}


@pytest.mark.parametrize(("wrong", "reason"), [
    ({"line_count": 19_999}, "line count: manifest says 19999, 20000 lines arrived"),
    ({"employee_fen": 100}, "employee amount_collected_fen: manifest says"),
    ({"lines_sha256": "0" * 64}, "sha256 of the lines is"),
], ids=["count", "totals", "hash"])
def test_a_feed_that_does_not_match_its_manifest_is_refused_whole(fleet, keys_dir, tmp_path, wrong, reason):
    sample = start_pair(fleet, tmp_path, 20_000, seed=9, planted_per_kind=3)
    manifest = tmp_path / "ledger.json"
    manifest.write_text(json.dumps(_manifest_with(sample, **wrong)))

    done, verdict = push(fleet, keys_dir, sample.feed, "--feed-id", "F-BAD", "--manifest", str(manifest))
    assert done.returncode == 1
    assert verdict["status"] == "refused" and reason in verdict["reason"]
    # Nothing half-applied: no lines, no chunks, no reconciliation, no discrepancy report.
    assert stored_lines(fleet, "F-BAD") == (0, 0)
    assert center_sql(fleet, "SELECT count(*) FROM feed_chunk") == [(0,)]
    assert center_sql(fleet, "SELECT count(*) FROM received_feed") == [(0,)]
    assert center_sql(fleet, "SELECT count(*) FROM feed_discrepancy") == [(0,)]
    assert outbox_rows(fleet.database("hs_center"), REPORTED) == []
    center = fleet.get("hs_center", "/feeds/F-BAD", timeout=10).json()
    assert center["status"] == "refused" and reason in center["reason"]
    wait_for(lambda: fleet.get("tax", "/feeds/F-BAD").json().get("status") == "refused",
             message="tax to learn of the refusal")


def test_tax_answers_each_discrepancy_and_the_center_keeps_the_answers(fleet, keys_dir, tmp_path):
    sample = start_pair(fleet, tmp_path, 2_000, seed=3, planted_per_kind=1)
    done, verdict = push(fleet, keys_dir, sample.feed, "--feed-id", "F-CORR")
    assert done.returncode == 0 and verdict["discrepancy_count"] == 4, done.stderr
    report = wait_for(lambda: (r := fleet.get("tax", "/discrepancies/DISC-F-CORR")).status_code == 200
                      and r.json(), message="tax to hold the report")
    ids = [i["item_id"] for i in report["items"]]
    url = "/discrepancies/DISC-F-CORR/corrections"

    r = fleet.post("tax", url, json={"correction_id": "C-0", "resolutions": [
        {"item_id": "999", "resolution": "confirmed"}]}, timeout=10)
    assert r.status_code == 409 and "999" in r.json()["message"]
    r = fleet.post("tax", url, json={"correction_id": "C-0", "resolutions": [
        {"item_id": ids[0], "resolution": "corrected"}]}, timeout=10)
    assert r.status_code == 409 and "restate" in r.json()["message"]

    answers = [{"item_id": i, "resolution": "under_investigation", "comment": "checking with the payer"}
               for i in ids]
    r = fleet.post("tax", url, json={"correction_id": "C-1", "resolutions": answers}, timeout=10)
    assert r.status_code == 202, r.text
    wait_for(lambda: center_sql(fleet, "SELECT count(*) FROM feed_discrepancy WHERE resolution = "
                                       "'under_investigation'") == [(4,)], message="the center to keep the answers")


def test_an_enrollment_reaches_tax_and_tax_acknowledges_it(fleet):
    fleet.start("hs_center")
    fleet.start("tax")
    base = {"payer_id": "91460100MA5T00000X", "payer_kind": "employer", "scheme": "employee",
            "region_code": "460100", "insured_person_count": 12, "monthly_due_fen": 1_200_000,
            "effective_from": "2026-11-01", "applied_on": "2026-10-20"}
    r = fleet.post("hs_center", "/registrations",
                      json={**base, "registration_id": "R-1", "change_type": "new"}, timeout=10)
    assert r.status_code == 202, r.text
    r = fleet.post("hs_center", "/registrations",
                      json={**base, "payer_id": "91460100MA5T00001Y", "registration_id": "R-2",
                            "change_type": "terminate"}, timeout=10)
    assert r.status_code == 202, r.text
    rows = wait_for(lambda: (rows := center_sql(fleet, "SELECT registration_id, tax_status, tax_reason FROM "
                                                       "registration WHERE tax_status IS NOT NULL ORDER BY 1"))
                    and len(rows) == 2 and rows, message="both acknowledgements")
    assert rows[0] == ("R-1", "accepted", None)
    assert rows[1][:2] == ("R-2", "rejected") and "no enrollment on record" in rows[1][2]
    assert center_sql(fleet, "SELECT monthly_due_fen FROM registry_entry WHERE payer_id = '91460100MA5T00000X'") \
        == [(1_200_000,)]


def test_the_treasury_monthly_report_is_set_beside_tax_s_collection(fleet, amqp_uri, keys_dir):
    fleet.start("hs_center")
    fleet.start("tax")
    feed = feed_payload(feed_id="F-TREAS", period="2026-10", employee_fen=1_000_000, resident_fen=50_000)
    assert fleet.post("tax", "/feeds", json=feed, timeout=10).status_code == 202
    report = {"report_id": "GK-2026-10", "treasury_code": "HK-0101", "region_code": "460100", "period": "2026-10",
              "lines": [{"scheme": "employee", "amount_fen": 1_000_000}, {"scheme": "resident", "amount_fen": 49_000}],
              "published_at": "2026-11-04T10:00:00+08:00"}
    publish_envelope(amqp_uri, signed(keys_dir, "treasury", "fundlink.treasury.revenue.monthly_report_published.v1",
                                      report, subject="GK-2026-10"))
    got = wait_for(lambda: (r := fleet.get("tax", "/treasury-reports/GK-2026-10")).status_code == 200
                   and r.json(), message="tax to record the treasury report")
    assert got["comparison"] == [
        {"scheme": "employee", "treasury_fen": 1_000_000, "collected_fen": 1_000_000, "difference_fen": 0},
        {"scheme": "resident", "treasury_fen": 49_000, "collected_fen": 50_000, "difference_fen": -1_000},
    ]


def test_a_registry_file_that_lists_a_payer_twice_keeps_the_later_line(fleet):
    """Lines go to PostgreSQL a thousand a statement; one statement may not touch a row twice."""
    fleet.start("hs_center")
    payer = "91460100MA5T000001"
    rows = ["payer_kind,payer_id,scheme,region_code,insured_persons,monthly_due_fen",
            f"employer,{payer},employee,460100,10,50000",
            *(f"person,46010019800101{i:04d},resident,460100,1,3000" for i in range(10)),
            f"employer,{payer},employee,460100,12,60000",  # the same payer and scheme, corrected
            *(f"person,46010019800101{i:04d},resident,460100,1,3000" for i in range(10, 1500)),
            f"employer,{payer},resident,460100,3,9000"]
    r = fleet.post("hs_center", "/registry.csv", data="\n".join(rows).encode() + b"\n", timeout=120)
    assert r.status_code == 200 and r.json() == {"loaded": 1503, "bad_count": 0, "bad": []}, r.text
    stored = center_sql(fleet, "SELECT scheme, insured_person_count, monthly_due_fen FROM registry_entry "
                               "WHERE payer_id = :p ORDER BY scheme", p=payer)
    assert [tuple(row) for row in stored] == [("employee", 12, 60000), ("resident", 3, 9000)]
    assert center_sql(fleet, "SELECT count(*) FROM registry_entry WHERE payer_id LIKE '46010019800101%'") == [(1500,)]

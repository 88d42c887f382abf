"""Every refused delivery lands in the dead-letter queue with its reason and changes nothing."""

import json

import pytest
from helpers import (
    FEED_TYPE,
    RECONCILED_TYPE,
    count,
    dead_letters,
    feed_payload,
    metric_value,
    outbox_rows,
    publish_envelope,
    publish_raw,
    signed,
    wait_for,
)

from shared.bus.envelope import new_envelope
from shared.bus.signing import generate_keys, load_signer

ROUTING_KEY = "tax.collection.feed_published.v1.460100"


def only_dead_letter(amqp_uri):
    letters = wait_for(lambda: dead_letters(amqp_uri, "hs_center"), message="a dead letter")
    assert len(letters) == 1, letters
    return letters[0]


def assert_nothing_changed(fleet):
    db = fleet.database("hs_center")
    assert count(db, "received_feed") == 0
    assert count(db, "fundlink_inbox") == 0
    assert outbox_rows(db) == []


def _undecodable(keys_dir):
    env = signed(keys_dir, "tax", FEED_TYPE, feed_payload())
    return env.amqp_headers(), b"{this is not json", "application/json"


def _wrong_content_type(keys_dir):
    env = signed(keys_dir, "tax", FEED_TYPE, feed_payload())
    return env.amqp_headers(), env.body, "text/plain"


def _schema_invalid(keys_dir):
    bad = feed_payload()
    bad["lines"][0]["amount_collected_fen"] = "1000.00"
    env = signed(keys_dir, "tax", FEED_TYPE, bad)
    return env.amqp_headers(), env.body, "application/json"


def _unsigned(keys_dir):
    env = new_envelope(agency="tax", event_type=FEED_TYPE, data=feed_payload(), subject="S", correlation_id="S",
                       region="460100")
    return env.amqp_headers(), env.body, "application/json"


def _forged(keys_dir, tmp_path_factory=None):
    # Signed by a key that claims to be tax's but is not in the registry.
    import tempfile
    from pathlib import Path

    rogue = Path(tempfile.mkdtemp())
    generate_keys("tax", rogue, test=True)
    env = load_signer("tax", rogue).sign_envelope(
        new_envelope(agency="tax", event_type=FEED_TYPE, data=feed_payload(), subject="S", correlation_id="S",
                     region="460100"))
    return env.amqp_headers(), env.body, "application/json"


def _tampered(keys_dir):
    env = signed(keys_dir, "tax", FEED_TYPE, feed_payload(employee_fen=100))
    body = env.body.replace(b'"amount_collected_fen":100', b'"amount_collected_fen":900')
    return env.amqp_headers(), body, "application/json"


def _wrong_producer(keys_dir):
    # finance signs correctly, but only tax may send HO-01.
    env = signed(keys_dir, "finance", FEED_TYPE, feed_payload())
    return env.amqp_headers(), env.body, "application/json"


CASES = {
    "undecodable": (_undecodable, "undecodable", "cannot decode"),
    "wrong_content_type": (_wrong_content_type, "content_type", "text/plain"),
    "schema_invalid": (_schema_invalid, "schema", "amount_collected_fen"),
    "unsigned": (_unsigned, "signature", "unsigned"),
    "forged": (_forged, "signature", "unknown signing key"),
    "tampered": (_tampered, "signature", "forged or altered"),
    "wrong_producer": (_wrong_producer, "not_producer", "boundary table names 'tax'"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_refused_delivery_is_dead_lettered_with_its_reason(fleet, amqp_uri, keys_dir, case):
    make, kind, text = CASES[case]
    fleet.start("hs_center")
    headers, body, content_type = make(keys_dir)
    publish_raw(amqp_uri, ROUTING_KEY, headers, body, content_type)
    letter = only_dead_letter(amqp_uri)
    assert letter.kind == kind
    assert text in letter.reason, letter.reason
    assert letter.queue == "fundlink.hs_center.tax.collection.feed_published.v1"
    assert_nothing_changed(fleet)
    assert metric_value(fleet, "hs_center", "fundlink_handoffs_dead_lettered_total", reason=kind) == 1


def test_same_event_twice_takes_effect_once(fleet, amqp_uri, keys_dir):
    fleet.start("hs_center")
    env = signed(keys_dir, "tax", FEED_TYPE, feed_payload())
    publish_envelope(amqp_uri, env)
    publish_envelope(amqp_uri, env)
    db = fleet.database("hs_center")
    wait_for(lambda: metric_value(fleet, "hs_center", "fundlink_handoffs_consumed_total", event_type=FEED_TYPE) == 2,
             message="both deliveries handled")
    assert count(db, "received_feed") == 1
    assert count(db, "fundlink_inbox") == 1
    assert len(outbox_rows(db, RECONCILED_TYPE)) == 1
    assert metric_value(fleet, "hs_center", "fundlink_handoffs_consumed_total", outcome="duplicate") == 1


def test_failing_handler_is_retried_to_the_limit_then_dead_lettered_and_replay_succeeds_once_fixed(
        fleet, amqp_uri, keys_dir):
    from typer.testing import CliRunner

    from shared.cli import app

    fleet.start("tax")
    feed = feed_payload()
    answer = {"feed_id": feed["feed_id"], "period": "2026-10", "status": "matched", "registered_insured_count": 15,
              "paid_insured_count": 15, "difference_fen": 0, "discrepancies": []}
    env = signed(keys_dir, "hs_center", RECONCILED_TYPE, answer, subject=feed["feed_id"])
    publish_envelope(amqp_uri, env)  # tax has no such feed yet: the handler raises every time
    letters = wait_for(lambda: dead_letters(amqp_uri, "tax"), timeout=60, message="the dead letter")
    (letter,) = letters
    assert letter.kind == "handler_failed"
    assert letter.attempts == fleet.settings["tax"].delivery_limit
    assert "NotFound" in letter.reason and feed["feed_id"] in letter.reason
    assert count(fleet.database("tax"), "fundlink_inbox") == 0

    # The cause is fixed: tax now has the feed.
    fleet.post("tax", "/feeds", json=feed, timeout=10).raise_for_status()
    runner = CliRunner()
    env_vars = {"AMQP_URI": amqp_uri}
    listed = runner.invoke(app, ["dlq", "list", "tax", "--json"], env=env_vars)
    assert listed.exit_code == 0
    assert [json.loads(line)["event_id"] for line in listed.output.splitlines()] == [env.id]
    result = runner.invoke(app, ["dlq", "replay", "tax", "--id", env.id], env=env_vars)
    assert result.exit_code == 0, result.output
    wait_for(lambda: fleet.get("tax", f"/feeds/{feed['feed_id']}").json()["status"] == "reconciled",
             message="the replayed reconciliation to apply")
    assert dead_letters(amqp_uri, "tax") == []
    # Replaying the same event again is harmless: the inbox has it.
    publish_envelope(amqp_uri, env)
    wait_for(lambda: metric_value(fleet, "tax", "fundlink_handoffs_consumed_total", outcome="duplicate") == 1,
             message="the repeat to be recognised")
    assert count(fleet.database("tax"), "fundlink_inbox") == 1
    assert json.loads(letter.body)["feed_id"] == feed["feed_id"]

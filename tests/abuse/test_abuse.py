"""Abuse suite: hostile input at every door of every service changes nothing and is refused with a reason.

* HTTP: schemathesis generates requests from each service's published OpenAPI (valid and
  invalid ones) against the running service. No answer may be a 5xx; every 4xx must carry
  ``error`` and ``message`` (a 422 also ``fields``, each named in the message).
* Bus: hypothesis draws hostile deliveries for every ``@handles`` queue of every service
  (malformed JSON, wrong types, oversized bodies, unsigned, forged, a signer that is not the
  producer, times far in the future or past) and replays of processed event ids. Each refusal
  must reach the agency's dead-letter queue with its reason kind and reason, and the agency's
  database (row count of every table, ids in outbox and inbox) must not change.
* Broker: a process holding tax's broker credentials publishes every other party's event
  type; the broker must refuse each one (see also tests/contracts/test_broker_refusal.py).

The module prints a table at the end: inputs tried per kind, refused, state changed (0).
Sizes: FUNDLINK_ABUSE_HTTP_EXAMPLES (per operation, default 25) and
FUNDLINK_ABUSE_BUS_EXAMPLES (per queue and kind, default 3).
"""

from __future__ import annotations

import base64
import inspect
import json
import os
import secrets
import tempfile
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import requests
import sqlalchemy as sa
from helpers import delete_agency_queues, metric_value, wait_for
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from kombu.exceptions import OperationalError

from shared.bus.catalogue import catalogue
from shared.bus.consumer import CONTRACT_SCHEMAS_DIR, contract_errors
from shared.bus.dead_letters import DeadLetterQueue
from shared.bus.envelope import canonical_json, new_envelope
from shared.bus.outbox import ConfirmingPublisher, OutMessage
from shared.bus.signing import generate_keys, load_signer
from shared.bus.topology import EVENTS_EXCHANGE, queue_name
from shared.config import REPO_ROOT
from shared.contracts.openapi import service_classes

pytestmark = pytest.mark.integration

SERVICES = service_classes()
AGENCIES = sorted(SERVICES)
HTTP_EXAMPLES = int(os.environ.get("FUNDLINK_ABUSE_HTTP_EXAMPLES", "25"))
BUS_EXAMPLES = int(os.environ.get("FUNDLINK_ABUSE_BUS_EXAMPLES", "3"))
# Small enough that oversized bodies stay cheap for the broker; the check is the same at 8 MiB.
MAX_BODY_BYTES = 64 * 1024
REGION = "460100"
GENERATE_ONLY = {"database": None, "deadline": None, "phases": [Phase.generate],
                 "suppress_health_check": list(HealthCheck)}


# -- the table ----------------------------------------------------------------------------------------------------
@dataclass
class Tally:
    tried: int = 0
    refused: int = 0
    accepted: int = 0
    server_errors: int = 0
    changed: int = 0
    notes: Counter = field(default_factory=Counter)


TALLY: dict[str, Tally] = {}


def tally(kind: str) -> Tally:
    return TALLY.setdefault(kind, Tally())


@pytest.fixture(scope="module", autouse=True)
def table(amqp_uri):
    yield
    for agency in AGENCIES:  # leave no fuzz traffic in the vhost
        delete_agency_queues(amqp_uri, agency)
    print("\n\nabuse suite\n" + f"{'kind':34} {'tried':>7} {'refused':>8} {'accepted':>9} {'5xx':>5} "
          f"{'state changed':>14}  notes\n" + "-" * 120)
    for kind, t in TALLY.items():
        accepted = "–" if kind.startswith(("bus", "broker")) else str(t.accepted)
        errors = str(t.server_errors) if kind.startswith("http") else "–"
        changed = "–" if kind.startswith("http") else str(t.changed)
        notes = ", ".join(f"{k}: {v}" for k, v in sorted(t.notes.items()))
        print(f"{kind:34} {t.tried:>7} {t.refused:>8} {accepted:>9} {errors:>5} {changed:>14}  {notes}")


# -- HTTP ---------------------------------------------------------------------------------------------------------
def problem_in_4xx(response) -> str | None:
    """What is wrong with a 4xx answer, or None when it names the problem."""
    content_type = (response.headers.get("content-type") or [""])[0]  # schemathesis: lowercase keys, list values
    if not content_type.startswith("application/json"):
        return f"content type {content_type!r}, not JSON: {response.text[:200]!r}"
    try:
        body = response.json()
    except ValueError:
        return f"body is not JSON: {response.text[:200]!r}"
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str) and body[k] for k in ("error", "message")):
        return f"no error/message: {body!r}"[:300]
    if response.status_code == 422:
        leaves = list(_leaf_fields(body.get("fields") or {}))
        if not leaves or any(name.rsplit(".", 1)[-1] not in body["message"] for name, _ in leaves):
            return f"422 whose message does not name its fields: {body!r}"[:300]
    return None


def _leaf_fields(fields, prefix=""):
    for key, value in fields.items():
        if isinstance(value, dict):
            yield from _leaf_fields(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def fuzz_operation(operation, mode, t: Tally, base_url: str, session, findings: list[str]) -> None:
    what = f"{operation.method.upper()} {operation.path}"

    @settings(max_examples=HTTP_EXAMPLES, **GENERATE_ONLY)
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case):
        response = case.call(base_url=base_url, session=session, timeout=30)
        t.tried += 1
        if response.status_code >= 500:
            t.server_errors += 1
            findings.append(f"{what} → {response.status_code} {response.text[:200]}\n  {case.as_curl_command()}")
        elif response.status_code >= 400:
            t.refused += 1
            t.notes[str(response.status_code)] += 1
            if problem := problem_in_4xx(response):
                findings.append(f"{what} → {response.status_code}: {problem}\n  {case.as_curl_command()}")
        else:
            t.accepted += 1

    try:
        call()
    except Unsatisfiable:  # e.g. a GET without parameters has no invalid form
        t.notes["operations without an invalid form"] += 1


@pytest.mark.parametrize("agency", AGENCIES)
def test_http_fuzzing_finds_no_server_error_and_every_4xx_names_the_problem(fleet, agency):
    import schemathesis
    from schemathesis import GenerationMode

    fleet.start(agency)
    schema = schemathesis.openapi.from_path(REPO_ROOT / "contracts" / "openapi" / f"{agency}.yaml")
    base_url = fleet.url(agency, "")
    session = requests.Session()
    # A token that may do every route, so the fuzzer reaches the handlers (tests/integration/test_auth.py
    # walks every route without one).
    session.headers["Authorization"] = "Bearer " + fleet.token(agency, "officer", "head", "auditor")
    findings: list[str] = []
    for result in schema.get_all_operations():
        if result.ok().path in ("/health", "/metrics"):  # no input; a 503 there reports a dependency
            continue
        for mode, label in ((GenerationMode.POSITIVE, "http: valid by the OpenAPI"),
                            (GenerationMode.NEGATIVE, "http: invalid by the OpenAPI")):
            fuzz_operation(result.ok(), mode, tally(label), base_url, session, findings)
    assert not findings, f"{len(findings)} bad answers:\n" + "\n".join(findings[:20])


# -- bus: what a consumer may receive -----------------------------------------------------------------------------
@dataclass
class Delivery:
    """One message as it goes on the wire, and the refusal the consumer must answer it with."""

    kind: str
    queue: str
    routing_key: str
    event_id: str
    headers: dict
    body: bytes
    content_type: str = "application/json"
    expect: str = ""          # reason kind in the dead-letter queue
    variant: str = ""

    def message(self) -> OutMessage:
        return OutMessage(0, self.event_id, EVENTS_EXCHANGE, self.routing_key, self.headers, self.body,
                          self.content_type)


def handled_event_types(service_cls) -> list[str]:
    """Every ``@handles`` event type of a service class, inherited ones included."""
    found = set()
    for _name, fn in inspect.getmembers(service_cls, callable):
        for entrypoint in getattr(fn, "nameko_entrypoints", ()):
            if hasattr(entrypoint, "event_type"):
                found.add(entrypoint.event_type)
    return sorted(found)


def contract(event_type: str) -> dict | None:
    path = CONTRACT_SCHEMAS_DIR / f"{event_type}.json"
    return json.loads(path.read_text()) if path.exists() else None


_WHEN = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC))
_FORMATS = {"date-time": _WHEN.map(lambda d: d.isoformat()), "date": _WHEN.map(lambda d: d.date().isoformat())}


def valid_payloads(event_type: str):
    """Payloads the published JSON Schema admits (schemathesis's JSON Schema engine)."""
    import jsonschema_rs
    from schemathesis.generation.jsonschema.builder import build

    return build(contract(event_type), draft=jsonschema_rs.Draft202012, formats=_FORMATS)


class Attacker:
    """Builds hostile deliveries for one consumer queue, with the real keys of every party."""

    def __init__(self, agency: str, event_type: str, keys_dir: Path, rogue_dir: Path):
        self.agency, self.event_type = agency, event_type
        self.spec = catalogue().event(event_type)
        self.queue = queue_name(agency, self.spec.routing_key)
        self.keys_dir, self.rogue_dir = keys_dir, rogue_dir
        self.has_contract = contract(event_type) is not None
        self.payloads = valid_payloads(event_type) if self.has_contract else st.just({})
        self.others = sorted(p for p in catalogue().agencies if p != self.spec.producer)

    def envelope(self, data, *, party=None, signer_dir=None, now=None, body: bytes | None = None):
        env = new_envelope(agency=party or self.spec.producer, event_type=self.event_type, data=data,
                           subject=f"ABUSE-{uuid.uuid4().hex[:8]}", correlation_id="abuse", region=REGION, now=now)
        if body is not None:
            from dataclasses import replace

            env = replace(env, body=body)
        if signer_dir is None:
            return env
        return load_signer(party or self.spec.producer, signer_dir).sign_envelope(env)

    def delivery(self, kind, env, expect, variant="", body=None, headers=None) -> Delivery:
        return Delivery(kind, self.queue, f"{self.spec.routing_key}.{REGION}", env.id,
                        headers if headers is not None else env.amqp_headers(),
                        env.body if body is None else body, expect=expect, variant=variant)

    # Each strategy draws one hostile delivery of its kind.
    def malformed_json(self):
        garbage = st.one_of(
            st.binary(min_size=1, max_size=300).map(lambda b: (b, "random bytes")),
            st.tuples(self.payloads, st.integers(min_value=1, max_value=10_000)).map(
                lambda p: (canonical_json(p[0])[: max(1, min(p[1], len(canonical_json(p[0])) - 1))], "truncated")),
            st.text(max_size=50).map(lambda s: (("{" + s).encode(), "unclosed object")),
        )

        def build(drawn):
            body, variant = drawn
            assume(not _is_json(body))
            return self.delivery("malformed JSON", self.envelope({}, signer_dir=self.keys_dir), "undecodable",
                                 variant, body=body)

        return garbage.map(build)

    def wrong_types(self):
        others = st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), st.none(),
                           st.text(max_size=8), st.lists(st.integers(), max_size=2),
                           st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))

        @st.composite
        def draw(draw):
            data = dict(draw(self.payloads))
            name = draw(st.sampled_from(sorted(data) or ["unexpected"]))
            value = draw(others)
            assume(type(value) is not type(data.get(name)))
            data[name] = value
            assume(contract_errors(self.event_type, data))
            env = self.envelope(data, signer_dir=self.keys_dir)
            return self.delivery("wrong types", env, "schema", f"{name}: {type(value).__name__}")

        return draw()

    def oversized(self):
        def build(size):
            body = canonical_json({"padding": "x" * size})
            return self.delivery("oversized body", self.envelope({}, signer_dir=self.keys_dir, body=body),
                                 "oversized", f"{len(body)} bytes")

        return st.integers(min_value=MAX_BODY_BYTES, max_value=3 * MAX_BODY_BYTES).map(build)

    def unsigned(self):
        def build(data):
            return self.delivery("missing signature", self.envelope(data), "signature")

        return self.payloads.map(build)

    def forged(self):
        @st.composite
        def draw(draw):
            data = draw(self.payloads)
            how = draw(st.sampled_from(["rogue key", "altered body", "garbage signature"]))
            if how == "rogue key":  # a key that says it is the producer's but is not in the registry
                env = self.envelope(data, signer_dir=self.rogue_dir)
                return self.delivery("forged signature", env, "signature", how)
            env = self.envelope(data, signer_dir=self.keys_dir)
            if how == "altered body":
                return self.delivery("forged signature", env, "signature", how,
                                     body=canonical_json({**data, "altered": draw(st.integers())}))
            garbage = base64.b64encode(draw(st.binary(min_size=64, max_size=64))).decode()
            headers = {**env.amqp_headers(), "ce-signature": garbage}
            return self.delivery("forged signature", env, "signature", how, headers=headers)

        return draw()

    def wrong_signer(self):
        @st.composite
        def draw(draw):
            party = draw(st.sampled_from(self.others))
            env = self.envelope(draw(self.payloads), party=party, signer_dir=self.keys_dir)
            return self.delivery("signer is not the producer", env, "not_producer", party)

        return draw()

    def far_future(self):
        def build(drawn):
            data, minutes = drawn
            env = self.envelope(data, signer_dir=self.keys_dir, now=datetime.now(UTC) + timedelta(minutes=minutes))
            return self.delivery("time far in the future", env, "clock", f"+{minutes} min")

        return st.tuples(self.payloads, st.integers(min_value=10, max_value=10 * 365 * 24 * 60)).map(build)

    def far_past(self):
        def build(drawn):
            data, days = drawn
            env = self.envelope(data, signer_dir=self.keys_dir, now=datetime.now(UTC) - timedelta(days=days))
            return self.delivery("time far in the past", env, "clock", f"-{days} days")

        return st.tuples(self.payloads, st.integers(min_value=31, max_value=20 * 365)).map(build)

    def genuine(self):
        return self.payloads.map(lambda data: self.delivery(
            "replay of a processed event id", self.envelope(data, signer_dir=self.keys_dir), ""))

    def kinds(self):
        """(kind, strategy); kinds that need a valid payload wait for the event's published contract."""
        out = [self.malformed_json, self.wrong_types, self.oversized, self.unsigned, self.forged, self.wrong_signer]
        if self.has_contract:
            out += [self.far_future, self.far_past]
        return out


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False
    return True


def draw_many(strategy, n: int) -> list:
    """Let hypothesis draw up to n examples of a strategy (generate phase only, no shrinking)."""
    drawn: list = []

    @settings(max_examples=n, **GENERATE_ONLY)
    @given(strategy)
    def collect(value):
        drawn.append(value)

    collect()
    return drawn[-n:] if len(drawn) > n else drawn


# -- bus: state and outcomes ----------------------------------------------------------------------------------
def fingerprint(db) -> dict:
    """Row count of every table, and the ids in the outbox and the inbox."""
    with db.engine.connect() as conn:
        # The hand-off record grows with every refusal by design (dead_lettered entries): not a state change.
        tables = [t for t in sa.inspect(conn).get_table_names() if not t.startswith("fundlink_audit")]
        state = {t: conn.execute(sa.select(sa.func.count()).select_from(sa.table(t))).scalar_one() for t in tables}
        state["outbox ids"] = sorted(conn.execute(sa.text("SELECT event_id FROM fundlink_outbox")).scalars())
        state["inbox ids"] = sorted(conn.execute(sa.text("SELECT consumer || ' ' || event_id FROM fundlink_inbox"))
                                    .scalars())
    return state


def difference(before: dict, after: dict) -> dict:
    return {k: (before.get(k), after.get(k)) for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


def publish(amqp_uri: str, deliveries: list[Delivery]) -> None:
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        for start in range(0, len(deliveries), 200):
            window = deliveries[start:start + 200]
            result = publisher.publish([d.message() for d in window])
            assert not result.unroutable and not result.nacked, result
    finally:
        publisher.close()


def take_dead_letters(amqp_uri: str, agency: str, ids: set[str], t: Tally) -> dict:
    """Wait until every id is in the agency's DLQ; return the letters by event id and empty the queue.

    A copy seen twice is counted in the notes: see the report on the dead-letter publisher."""
    dlq = DeadLetterQueue(amqp_uri, agency)

    def all_in():
        try:
            letters = dlq.list(limit=100_000)
        except (OSError, OperationalError):  # the hub is busy with the consumer: a connect may time out; poll again
            return None
        return (letters,) if ids <= {x.event_id for x in letters} else None

    (letters,) = wait_for(all_in, timeout=120, interval=0.5, message=f"{len(ids)} dead letters in {agency}'s DLQ")
    dlq.purge()
    if duplicates := len(letters) - len({x.event_id for x in letters}):
        t.notes["dead-lettered twice"] += duplicates
    return {x.event_id: x for x in letters}


def consumed(fleet, agency: str, outcome: str) -> float:
    return metric_value(fleet, agency, "fundlink_handoffs_consumed_total", outcome=outcome)


@pytest.mark.parametrize("agency", AGENCIES)
def test_every_hostile_delivery_is_dead_lettered_with_its_reason_and_changes_nothing(
        fleet, amqp_uri, keys_dir, agency):
    fleet.start(agency, max_body_bytes=MAX_BODY_BYTES)
    db = fleet.database(agency)
    rogue = Path(tempfile.mkdtemp(prefix="rogue-keys-"))
    attackers = []
    for event_type in handled_event_types(SERVICES[agency]):
        if not (rogue / f"{catalogue().event(event_type).producer}.key").exists():
            generate_keys(catalogue().event(event_type).producer, rogue, test=True)
        attackers.append(Attacker(agency, event_type, Path(keys_dir), rogue))
    assert attackers, f"{agency} handles no events"
    problems: list[str] = []
    delivered: set[str] = set()

    # One batch per kind over all the agency's queues: the state is compared around each batch.
    for index in range(8):
        batch = [d for a in attackers if index < len(a.kinds()) for d in draw_many(a.kinds()[index](), BUS_EXAMPLES)]
        if not batch:
            continue
        kind = batch[0].kind
        t = tally("bus: " + kind)
        missing_contract = [a.event_type for a in attackers if index >= len(a.kinds())]
        if missing_contract:
            t.notes["skipped: queue without a published contract"] += len(missing_contract)
        before = fingerprint(db)
        publish(amqp_uri, batch)
        letters = take_dead_letters(amqp_uri, agency, {d.event_id for d in batch}, t)
        after = fingerprint(db)
        t.tried += len(batch)
        for d in batch:
            letter = letters.pop(d.event_id, None)
            if letter is None:
                problems.append(f"{kind} ({d.variant}) to {d.queue}: not in the dead-letter queue")
            elif letter.kind != d.expect or not letter.reason or letter.queue != d.queue:
                problems.append(f"{kind} ({d.variant}) to {d.queue}: dead-lettered as {letter.kind}: {letter.reason}"
                                f" (expected {d.expect})")
            else:
                t.refused += 1
        delivered |= {d.event_id for d in batch}
        for event_id, x in letters.items():
            if event_id in delivered:  # a late second copy of an earlier refusal
                t.notes["dead-lettered twice"] += 1
            else:
                problems.append(f"{kind}: unexpected dead letter {event_id}: {x.kind}: {x.reason}")
        if changed := difference(before, after):
            t.changed += len(batch)
            problems.append(f"{kind} changed the state of {agency}: {changed}")

    replay_processed_events(fleet, amqp_uri, agency, db, [a for a in attackers if a.has_contract], problems)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:30])


def replay_processed_events(fleet, amqp_uri, agency, db, attackers, problems) -> None:
    """Deliver genuine events once, then the very same messages again: the repeat changes nothing."""
    t = tally("bus: replay of an old event id")
    firsts = [d for a in attackers for d in draw_many(a.genuine(), 1)]
    if not firsts:
        return
    duplicates_before = consumed(fleet, agency, "duplicate")
    publish(amqp_uri, firsts)

    def settled():
        with db.engine.connect() as conn:
            seen = set(conn.execute(sa.text("SELECT event_id FROM fundlink_inbox")).scalars())
        parked = {x.event_id for x in DeadLetterQueue(amqp_uri, agency).list(limit=1000)}
        return (seen, parked) if all(d.event_id in seen | parked for d in firsts) else None

    processed, _ = wait_for(settled, timeout=120, interval=0.5,
                            message="every first delivery processed or dead-lettered")
    DeadLetterQueue(amqp_uri, agency).purge()
    # Timers may act once on what the first deliveries created; compare only once that is done.
    before = wait_for(_stable(db), timeout=120, interval=1, message=f"{agency}'s state to settle")
    publish(amqp_uri, firsts)
    done = [d for d in firsts if d.event_id in processed]
    wait_for(lambda: consumed(fleet, agency, "duplicate") - duplicates_before >= len(done), timeout=120,
             message="the repeats recognised as duplicates")
    letters = take_dead_letters(amqp_uri, agency, {d.event_id for d in firsts if d.event_id not in processed}, t)
    after = fingerprint(db)
    t.tried += len(firsts)
    t.refused += len(done) + len([d for d in firsts if d.event_id in letters])
    t.notes["acked as duplicate by the inbox, not dead-lettered"] += len(done)
    t.notes["first delivery failed in its handler; repeat dead-lettered again"] += len(firsts) - len(done)
    if changed := difference(before, after):
        t.changed += len(firsts)
        problems.append(f"replays changed the state of {agency}: {changed}")


def _stable(db):
    """A predicate that is true once the fingerprint is the same on two polls a watch tick (5 s) apart."""
    seen: list = []

    def check():
        import time

        current = fingerprint(db)
        if seen and seen[-1][1] == current and time.monotonic() - seen[-1][0] >= 6:
            return current
        if not seen or seen[-1][1] != current:
            seen.append((time.monotonic(), current))
        return None

    return check


# -- broker -------------------------------------------------------------------------------------------------------
def test_the_broker_refuses_every_event_of_another_party_published_with_tax_credentials(amqp_uri):
    import amqp

    from shared.contracts.broker import apply, definitions, management_settings, user_name

    url, auth = management_settings()
    try:
        requests.get(f"{url}/api/overview", auth=auth, timeout=5).raise_for_status()
    except Exception as exc:
        pytest.fail(f"RabbitMQ management API not reachable at {url}: {exc}")
    uri = urlparse(amqp_uri)
    vhost = unquote(uri.path[1:]) if len(uri.path) > 1 else "/"
    password = secrets.token_urlsafe(16)
    doc = definitions(catalogue(), vhost, {"tax": password})
    mine = user_name("tax")
    apply({"users": [u for u in doc["users"] if u["name"] == mine], "vhosts": doc["vhosts"],
           "permissions": [p for p in doc["permissions"] if p["user"] == mine],
           "topic_permissions": [p for p in doc["topic_permissions"] if p["user"] == mine],
           "exchanges": doc["exchanges"]})
    foreign = [e.routing_key for e in catalogue().events.values() if e.producer != "tax"]
    t = tally("broker: another agency's event")
    conn = amqp.Connection(f"{uri.hostname}:{uri.port or 5672}", userid=mine, password=password,
                           virtual_host=vhost, confirm_publish=True, connect_timeout=5)
    conn.connect()
    accepted = []
    try:
        for key in draw_many(st.sampled_from(foreign).map(lambda k: f"{k}.{REGION}"), 60):
            t.tried += 1
            try:
                conn.channel().basic_publish(amqp.Message(b"{}", content_type="application/json"),
                                             exchange=EVENTS_EXCHANGE, routing_key=key)
                accepted.append(key)
            except amqp.exceptions.AccessRefused as refused:
                assert key in str(refused)
                t.refused += 1
    finally:
        conn.close()
    assert not accepted, f"the broker let tax publish {accepted}"

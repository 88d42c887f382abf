"""The hand-off record (留痕): every event a service sends or receives and every state-changing
request, appended to the service's own hash chain.

Each entry carries the hash of the one before it: ``hash = sha256(prev_hash + "\\n" + canonical JSON
of the entry)``. Entries are numbered 1, 2, 3 … by ``seq``, and a one-row head table holds the last
``seq`` and hash, so an altered entry (hash mismatch), a removed one (gap, broken link) and a
removed tail (head ahead of the last entry) are all found by :func:`verify`. Event entries keep the
signed envelope (headers with the signature, and the body), so the producer's signature is checked
too. :func:`export_bundle` writes the entries of one case with the hashes of the others and the
public keys; :func:`verify_bundle` checks it with nothing else.

The chain proves that the record was not changed after the fact, not who may append: anyone with
write access to the database can append. Copy the head hash elsewhere (``fundlink audit verify``
prints it) to pin the record at a point in time.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, MetaData, String, Table, Text, and_, insert, or_, select, update
from sqlalchemy.orm import Session

from shared.bus.envelope import EnvelopeError, canonical_json, from_amqp
from shared.bus.signing import KeyRegistry, SignatureError

AUDIT_TABLE = "fundlink_audit"
AUDIT_HEAD_TABLE = "fundlink_audit_head"
GENESIS = "0" * 64
BUNDLE_FORMAT = "fundlink-audit-bundle/1"
# Kinds of entry. Only `sent` and `received` carry a signed envelope.
SENT, RECEIVED, REQUEST, REFUSED, DEAD_LETTERED = "sent", "received", "request", "refused", "dead_lettered"
SIGNED_KINDS = (SENT, RECEIVED)
FIELDS = ("seq", "recorded_at", "agency", "kind", "party", "actor", "role", "action", "event_type", "event_id",
          "subject", "correlation_id", "outcome", "headers", "body", "details", "prev_hash")
HOW_TO_VERIFY = (
    "For each record: entries are in seq order starting at `first_seq`; a full entry's hash is "
    "sha256(prev_hash + '\\n' + canonical JSON (sorted keys, no spaces, UTF-8) of the entry without `hash`); "
    "a stub carries only seq, prev_hash and hash; every prev_hash equals the previous entry's hash; the last "
    "hash equals `head.hash`. Entries of kind sent/received carry the CloudEvents headers and body: their "
    "ce-signature verifies with the Ed25519 key in `public_keys` whose id is ce-signingkey, over "
    "'fundlink-sig-v1\\n' + canonical JSON of the signed attributes + '\\n' + sha256(body) hex. "
    "In Python: `from shared.audit import verify_bundle; verify_bundle(json.load(open(path)))`."
)


def audit_table(metadata: MetaData) -> Table:
    if AUDIT_TABLE in metadata.tables:
        return metadata.tables[AUDIT_TABLE]
    return Table(
        AUDIT_TABLE,
        metadata,
        Column("seq", BigInteger, primary_key=True, autoincrement=False),
        Column("recorded_at", String(32), nullable=False, index=True),  # ISO UTC text: hashes the same everywhere
        Column("agency", String(64), nullable=False),       # whose record this is
        Column("kind", String(20), nullable=False),
        Column("party", String(64), nullable=False, index=True),  # the other side: token's agency, event's signer
        Column("actor", String(200), nullable=False, index=True),  # user, or signing party of an event
        Column("role", String(200), nullable=False),
        Column("action", String(300), nullable=False),      # "POST /cases/<case_id>/transfer-decision" or type
        Column("event_type", String(200), nullable=True, index=True),
        Column("event_id", String(64), nullable=True),
        Column("subject", String(200), nullable=True, index=True),
        Column("correlation_id", String(200), nullable=True, index=True),
        Column("outcome", Text, nullable=False),
        Column("headers", Text, nullable=True),             # the event's signed CloudEvents headers (JSON)
        Column("body", Text, nullable=True),                # the event's exact body, base64
        Column("details", Text, nullable=True),             # JSON: path values, body hash, status …
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False),
    )


def audit_head_table(metadata: MetaData) -> Table:
    """One row: the last entry's seq and hash. Locking it serialises appends."""
    if AUDIT_HEAD_TABLE in metadata.tables:
        return metadata.tables[AUDIT_HEAD_TABLE]
    return Table(
        AUDIT_HEAD_TABLE,
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=False),
        Column("seq", BigInteger, nullable=False),
        Column("hash", String(64), nullable=False),
    )


@dataclass(frozen=True)
class AuditTables:
    entries: Table
    head: Table

    @classmethod
    def on(cls, metadata: MetaData) -> AuditTables:
        return cls(audit_table(metadata), audit_head_table(metadata))


# -- entries -------------------------------------------------------------------------------------
def now_text(now: datetime | None = None) -> str:
    # isoformat, not strftime: glibc's strftime re-reads the zone file on every call (same text).
    return (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def event_entry(kind: str, agency: str, envelope, outcome: str, *, now: datetime | None = None) -> dict:
    """An entry for a signed event this service sent or received."""
    return {
        "recorded_at": now_text(now), "agency": agency, "kind": kind,
        "party": envelope.signer or agency, "actor": envelope.signer or agency, "role": "signer",
        "action": envelope.type, "event_type": envelope.type, "event_id": envelope.id,
        "subject": envelope.subject, "correlation_id": envelope.correlationid, "outcome": outcome,
        "headers": json.dumps(envelope.amqp_headers(), sort_keys=True, ensure_ascii=False),
        "body": base64.b64encode(envelope.body).decode(), "details": None,
    }


def request_entry(agency: str, *, method: str, route: str, path_values: dict, claims: dict | None, role: str,
                  status: int, message: str = "", body: bytes = b"", kind: str = REQUEST,
                  now: datetime | None = None) -> dict:
    """An entry for a request: who, with which role, what, and how it ended. The body is kept as its
    hash only, so personal data in it stays in the service's own tables."""
    matter = next((str(v) for v in path_values.values()), None)
    details = {"path": {k: str(v) for k, v in path_values.items()}, "status": status,
               "body_sha256": hashlib.sha256(body or b"").hexdigest()}
    if claims:
        details["roles"] = list(claims.get("roles") or [])
    return {
        "recorded_at": now_text(now), "agency": agency, "kind": kind,
        "party": str((claims or {}).get("agency") or ""), "actor": str((claims or {}).get("sub") or ""),
        "role": role, "action": f"{method.upper()} {route}", "event_type": None, "event_id": None,
        "subject": matter, "correlation_id": matter,
        "outcome": f"{status} {message}".strip(), "headers": None, "body": None,
        "details": json.dumps(details, sort_keys=True, ensure_ascii=False),
    }


def dead_letter_entry(agency: str, headers: dict, kind: str, reason: str, *, now: datetime | None = None) -> dict:
    """A delivery this service refused or gave up on (its signature may not verify: not checked)."""
    def h(name):
        value = (headers or {}).get(name)
        return value.decode() if isinstance(value, bytes) else (str(value) if value is not None else None)
    return {
        "recorded_at": now_text(now), "agency": agency, "kind": DEAD_LETTERED,
        "party": h("ce-signer") or "", "actor": h("ce-signer") or "", "role": "signer",
        "action": h("ce-type") or "", "event_type": h("ce-type"), "event_id": h("ce-id"),
        "subject": h("ce-subject"), "correlation_id": h("ce-correlationid"),
        "outcome": f"dead-lettered ({kind}): {reason}", "headers": None, "body": None, "details": None,
    }


def entry_hash(entry: dict) -> str:
    """sha256 over the previous hash and the canonical JSON of every field but ``hash``."""
    fields = {name: entry.get(name) for name in FIELDS}
    return hashlib.sha256(fields["prev_hash"].encode() + b"\n" + canonical_json(fields)).hexdigest()


def append(session: Session, tables: AuditTables, *entries: dict) -> list[int]:
    """Append entries in the caller's transaction, after locking the chain head; return their seqs.

    Call it as late as possible before commit: the head stays locked until then.
    """
    if not entries:
        return []
    # The head is the last lock every transaction takes. A Core statement does not autoflush, so without
    # this the caller's pending ORM changes would be written (and their rows locked) after it, at commit:
    # a transaction holding the head could then wait for a row whose holder waits for the head (deadlock).
    session.flush()
    head = tables.head
    row = session.execute(select(head.c.seq, head.c.hash).where(head.c.id == 1).with_for_update()).first()
    if row is None:  # a fresh table (migrations insert the row; metadata.create_all does not)
        session.execute(insert(head).values(id=1, seq=0, hash=GENESIS))
        seq, prev = 0, GENESIS
    else:
        seq, prev = int(row.seq), row.hash
    rows = []
    for entry in entries:
        seq += 1
        full = {name: entry.get(name) for name in FIELDS}
        full.update(seq=seq, prev_hash=prev)
        full["hash"] = prev = entry_hash(full)
        rows.append(full)
    move_head = update(head).where(head.c.id == 1).values(seq=seq, hash=prev)
    if session.get_bind().dialect.name == "postgresql":
        # One round trip for the entries and the head (it is in every transaction that changes state).
        # One single-row INSERT per entry: SQLAlchemy cannot cache a multi-row VALUES, and compiling
        # this statement anew for every transaction cost more CPU than the round trip it saves.
        for i, row in enumerate(rows):
            move_head = move_head.add_cte(insert(tables.entries).values(row).cte(f"appended_{i}"))
        session.execute(move_head)
    else:  # SQLite has no data-modifying WITH; it is in-process anyway
        session.execute(insert(tables.entries), rows)
        session.execute(move_head)
    return [row["seq"] for row in rows]


# -- checking ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One broken link: the entry it is found at and what is wrong."""

    seq: int
    kind: str          # altered | removed | truncated | signature
    message: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.message}"


def _describe(entry: dict) -> str:
    what = entry.get("action") or entry.get("event_type") or "?"
    return f"{entry.get('kind')} {what} at {entry.get('recorded_at')}"


def verify(rows: Iterable[dict], keys: KeyRegistry, head: dict | None = None, *, first_seq: int = 1) -> list[Problem]:
    """Check the chain, then each event's signature. The first problem is the first broken link.

    ``rows`` are entry dicts in any order; stubs (``{"seq", "prev_hash", "hash"}`` only) are trusted for
    their hash, as in a bundle. ``head`` is the head row (``{"seq", "hash"}``) if known.
    """
    problems: list[Problem] = []
    expected_seq, prev = first_seq, None
    last = None
    for entry in sorted(rows, key=lambda e: int(e["seq"])):
        seq = int(entry["seq"])
        if seq != expected_seq:
            missing = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}–{seq - 1}"
            problems.append(Problem(seq, "removed", f"entry {missing} is missing (removed from the record); "
                                                    f"the chain breaks before {_describe(entry)}"))
        elif prev is not None and entry["prev_hash"] != prev:
            problems.append(Problem(seq, "removed", f"its prev_hash does not match entry {seq - 1}'s hash: an entry "
                                                    f"before it was replaced or removed ({_describe(entry)})"))
        if not is_stub(entry):
            if entry_hash(entry) != entry["hash"]:
                problems.append(Problem(seq, "altered", f"its contents do not match its hash: the entry was altered "
                                                        f"({_describe(entry)})"))
            elif entry.get("kind") in SIGNED_KINDS:
                problem = _signature_problem(entry, keys)
                if problem:
                    problems.append(Problem(seq, "signature", problem))
        expected_seq, prev, last = seq + 1, entry["hash"], entry
    if head is not None:
        last_seq = int(last["seq"]) if last else first_seq - 1
        if int(head["seq"]) != last_seq or (last is not None and head["hash"] != last["hash"]):
            problems.append(Problem(int(head["seq"]), "truncated",
                                    f"the head says the record ends at entry {head['seq']}, but the last entry "
                                    f"is {last_seq}: entries after {last_seq} were removed or the head was altered"))
    return sorted(problems, key=lambda p: p.seq)


def is_stub(entry: dict) -> bool:
    return set(entry) <= {"seq", "prev_hash", "hash"}


def _signature_problem(entry: dict, keys: KeyRegistry) -> str | None:
    try:
        headers = json.loads(entry["headers"] or "{}")
        env = from_amqp(headers, "application/json", base64.b64decode(entry["body"] or ""))
        signer = keys.verify(env)
    except (EnvelopeError, SignatureError, ValueError) as exc:
        return f"the {entry.get('event_type')} event {entry.get('event_id')} fails its signature check: {exc}"
    if env.id != entry.get("event_id") or env.type != entry.get("event_type"):
        return f"the envelope is event {env.id} ({env.type}), but the entry names {entry.get('event_id')}"
    if signer != entry.get("actor"):
        return f"the event is signed by {signer}, but the entry names {entry.get('actor')}"
    return None


# -- reading and searching -----------------------------------------------------------------------
def read_chain(session: Session, tables: AuditTables) -> tuple[list[dict], dict | None]:
    rows = [dict(r._mapping) for r in session.execute(select(tables.entries).order_by(tables.entries.c.seq))]
    head = session.execute(select(tables.head.c.seq, tables.head.c.hash).where(tables.head.c.id == 1)).first()
    return rows, (dict(head._mapping) if head else None)


@dataclass(frozen=True)
class Filters:
    """What ``fundlink audit search`` and ``GET /audit`` filter by. ``case`` and ``feed`` match the
    matter an entry is about (its subject or correlation id); ``agency`` the record's owner or the
    other party; ``since``/``until`` ISO times (UTC)."""

    case: str | None = None
    feed: str | None = None
    agency: str | None = None
    event_type: str | None = None
    user: str | None = None
    since: str | None = None
    until: str | None = None
    limit: int = 200


def search_query(table: Table, filters: Filters):
    t, f = table, filters
    conditions = []
    for matter in (f.case, f.feed):
        if matter:
            conditions.append(or_(t.c.subject == matter, t.c.correlation_id == matter))
    if f.agency:
        conditions.append(or_(t.c.agency == f.agency, t.c.party == f.agency))
    if f.event_type:
        conditions.append(or_(t.c.event_type == f.event_type, t.c.action == f.event_type))
    if f.user:
        conditions.append(t.c.actor == f.user)
    if f.since:
        conditions.append(t.c.recorded_at >= utc_text(f.since))
    if f.until:
        conditions.append(t.c.recorded_at <= utc_text(f.until))
    query = select(t).order_by(t.c.seq)
    if conditions:
        query = query.where(and_(*conditions))
    return query.limit(max(1, min(int(f.limit), 10_000)))


def search(session: Session, table: Table, filters: Filters) -> list[dict]:
    return [summary(dict(r._mapping)) for r in session.execute(search_query(table, filters))]


def summary(entry: dict) -> dict:
    """An entry as a search shows it: without the envelope's bytes."""
    return {k: entry.get(k) for k in ("seq", "recorded_at", "agency", "kind", "party", "actor", "role", "action",
                                      "event_id", "subject", "outcome", "hash")}


def utc_text(value: str) -> str:
    """An ISO date or time as the record spells times (UTC, microseconds, Z)."""
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return now_text(when)


# -- bundles -------------------------------------------------------------------------------------
def concerns(entry: dict, case_id: str) -> bool:
    return case_id in (entry.get("subject"), entry.get("correlation_id"))


def export_record(rows: list[dict], head: dict | None, case_id: str) -> dict:
    """One service's record for a bundle: the case's entries in full, the others as stubs."""
    ordered = sorted(rows, key=lambda e: int(e["seq"]))
    entries = [{name: e.get(name) for name in (*FIELDS, "hash")} if concerns(e, case_id)
               else {"seq": e["seq"], "prev_hash": e["prev_hash"], "hash": e["hash"]} for e in ordered]
    return {"agency": ordered[0]["agency"] if ordered else None,
            "first_seq": int(ordered[0]["seq"]) if ordered else 1, "head": head, "entries": entries}


def export_bundle(records: dict[str, tuple[list[dict], dict | None]], case_id: str, public_keys: dict[str, str],
                  *, now: datetime | None = None) -> dict:
    """A self-contained bundle of one case across services' records.

    ``records`` maps a service to its (rows, head); ``public_keys`` maps a party to its public key PEM.
    Only the keys that signed the case's events are included.
    """
    out = {name: export_record(rows, head, case_id) for name, (rows, head) in records.items()
           if any(concerns(r, case_id) for r in rows)}
    signers = {e.get("actor") for rec in out.values() for e in rec["entries"]
               if not is_stub(e) and e.get("kind") in SIGNED_KINDS}
    return {"format": BUNDLE_FORMAT, "case_id": case_id, "exported_at": now_text(now),
            "how_to_verify": HOW_TO_VERIFY, "records": out,
            "public_keys": {p: public_keys[p] for p in sorted(s for s in signers if s in public_keys)}}


def verify_bundle(bundle: dict) -> list[str]:
    """Check a bundle with nothing but itself; return the problems (empty when it holds)."""
    if bundle.get("format") != BUNDLE_FORMAT:
        return [f"not a fundlink audit bundle (format {bundle.get('format')!r}, expected {BUNDLE_FORMAT})"]
    keys = KeyRegistry()
    for party, pem in (bundle.get("public_keys") or {}).items():
        keys.add(party, pem.encode())
    problems: list[str] = []
    case_id = bundle.get("case_id")
    if not bundle.get("records"):
        problems.append(f"the bundle holds no entry for case {case_id}")
    for name, record in (bundle.get("records") or {}).items():
        for p in verify(record["entries"], keys, record.get("head"), first_seq=int(record.get("first_seq", 1))):
            problems.append(f"{name}: {p}")
        full = [e for e in record["entries"] if not is_stub(e)]
        if not full or not all(concerns(e, case_id) for e in full):
            problems.append(f"{name}: its full entries are not all about case {case_id}")
    return problems

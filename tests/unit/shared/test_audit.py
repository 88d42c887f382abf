"""The hand-off record: a hash chain that names the first broken link, and case bundles that verify alone."""

import base64
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from shared.audit import (
    GENESIS,
    AuditTables,
    Filters,
    append,
    entry_hash,
    event_entry,
    export_bundle,
    read_chain,
    request_entry,
    search,
    verify,
    verify_bundle,
)
from shared.bus.envelope import new_envelope
from shared.bus.signing import KeyRegistry, generate_keys, load_signer

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
HEAD = {"sub": "head-wang", "agency": "healthcare_security", "roles": ["head"]}
OFFICER = {"sub": "officer-li", "agency": "healthcare_security", "roles": ["officer"]}


@pytest.fixture
def keys_dir(tmp_path):
    for party in ("healthcare_security", "public_security"):
        generate_keys(party, tmp_path, test=True)
    return tmp_path


@pytest.fixture
def registry(keys_dir):
    return KeyRegistry.from_directory(keys_dir)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request):
    """The record on both stores: PostgreSQL appends entries and moves the head in one statement."""
    if request.param == "sqlite":
        engine = sa.create_engine("sqlite://")
    else:
        url = request.getfixturevalue("database_url")
        with sa.create_engine(url).begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS fl_unit_audit CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA fl_unit_audit"))
        engine = sa.create_engine(url, connect_args={"options": "-csearch_path=fl_unit_audit"})
    metadata = sa.MetaData()
    tables = AuditTables.on(metadata)
    metadata.create_all(engine)
    yield engine, tables
    engine.dispose()


def signed_event(keys_dir, party, event_type, data, subject, event_id=None):
    env = new_envelope(agency=party, event_type=event_type, data=data, subject=subject, correlation_id=subject,
                       region="460100", now=T0, event_id=event_id)
    return load_signer(party, keys_dir).sign_envelope(env)


def transfer_story(keys_dir):
    """C-1's transfer: officer refused, head approves, the bureau sends, the police's receipt comes back;
    and one unrelated request on C-2 in between."""
    sent = signed_event(keys_dir, "healthcare_security", "fundlink.healthcare_security.case.transferred.v1",
                        {"case_id": "C-1", "suspect": {"id_number": "460100199001011234"}}, "C-1")
    receipt = signed_event(keys_dir, "public_security", "fundlink.public_security.case.receipt_signed.v1",
                           {"case_id": "C-1"}, "C-1")
    route = "/cases/<case_id>/transfer-decision"
    return [
        request_entry("healthcare_security", method="POST", route=route, path_values={"case_id": "C-1"},
                      claims=OFFICER, role="", status=403, message="needs approve", kind="refused", now=T0),
        request_entry("healthcare_security", method="POST", route="/cases", path_values={}, claims=OFFICER,
                      role="officer", status=201, body=b'{"case_id": "C-2"}', now=T0 + timedelta(minutes=1)),
        request_entry("healthcare_security", method="POST", route=route, path_values={"case_id": "C-1"},
                      claims=HEAD, role="head", status=200, body=b'{"approve": true}',
                      now=T0 + timedelta(minutes=2)),
        event_entry("sent", "healthcare_security", sent, "staged", now=T0 + timedelta(minutes=2)),
        event_entry("received", "healthcare_security", receipt, "processed", now=T0 + timedelta(minutes=3)),
    ]


def record(db, entries):
    engine, tables = db
    with Session(engine) as session, session.begin():
        return append(session, tables, *entries)


def chain(db):
    engine, tables = db
    with Session(engine) as session:
        return read_chain(session, tables)


def tamper(db, statement, **params):
    engine, _ = db
    with engine.begin() as conn:
        conn.execute(sa.text(statement), params)


def test_entries_are_numbered_and_each_carries_the_hash_of_the_one_before(db, keys_dir, registry):
    assert record(db, transfer_story(keys_dir)) == [1, 2, 3, 4, 5]
    rows, head = chain(db)
    assert rows[0]["prev_hash"] == GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(rows, rows[1:], strict=False))
    assert head == {"seq": 5, "hash": rows[-1]["hash"]}
    assert verify(rows, registry, head) == []


def test_appends_continue_the_chain_across_transactions(db, keys_dir, registry):
    story = transfer_story(keys_dir)
    record(db, story[:2])
    assert record(db, story[2:]) == [3, 4, 5]
    rows, head = chain(db)
    assert verify(rows, registry, head) == []


def test_the_hash_covers_every_field_but_itself(db, keys_dir):
    record(db, transfer_story(keys_dir))
    row = chain(db)[0][2]
    assert entry_hash(row) == row["hash"]
    assert entry_hash({**row, "actor": "officer-li"}) != row["hash"]
    assert entry_hash(dict(reversed(list(row.items())))) == row["hash"]


def test_an_altered_entry_is_named(db, keys_dir, registry):
    record(db, transfer_story(keys_dir))
    tamper(db, "UPDATE fundlink_audit SET actor = 'officer-li' WHERE seq = 3")
    problems = verify(*chain(db)[:1], registry, chain(db)[1])
    assert [(p.seq, p.kind) for p in problems] == [(3, "altered")]
    assert "entry 3" in str(problems[0]) and "transfer-decision" in str(problems[0])


def test_an_altered_entry_with_a_recomputed_hash_breaks_the_next_link(db, keys_dir, registry):
    record(db, transfer_story(keys_dir))
    rows, head = chain(db)
    forged = {**rows[1], "outcome": "403 refused"}
    forged["hash"] = entry_hash(forged)
    rows[1] = forged
    problems = verify(rows, registry, head)
    assert (problems[0].seq, problems[0].kind) == (3, "removed")


def test_a_removed_entry_is_named(db, keys_dir, registry):
    record(db, transfer_story(keys_dir))
    tamper(db, "DELETE FROM fundlink_audit WHERE seq = 2")
    problems = verify(*chain(db)[:1], registry, chain(db)[1])
    assert [(p.seq, p.kind) for p in problems] == [(3, "removed")]
    assert "entry 2 is missing" in str(problems[0])


def test_a_removed_last_entry_is_caught_by_the_head(db, keys_dir, registry):
    record(db, transfer_story(keys_dir))
    tamper(db, "DELETE FROM fundlink_audit WHERE seq = 5")
    problems = verify(*chain(db)[:1], registry, chain(db)[1])
    assert [(p.seq, p.kind) for p in problems] == [(5, "truncated")]


def test_an_event_whose_body_was_changed_fails_its_signature(db, keys_dir, registry):
    story = transfer_story(keys_dir)
    sent = story[3]
    body = json.loads(base64.b64decode(sent["body"]))
    body["case_id"] = "C-9"
    story[3] = {**sent, "body": base64.b64encode(json.dumps(body).encode()).decode()}
    record(db, story)  # hashed as stored: only the signature can tell
    problems = verify(*chain(db)[:1], registry, chain(db)[1])
    assert [(p.seq, p.kind) for p in problems] == [(4, "signature")]
    assert "forged or altered" in problems[0].message


def test_an_event_signed_by_an_unregistered_key_is_named(db, keys_dir):
    record(db, transfer_story(keys_dir))
    only_ours = KeyRegistry()
    only_ours.add("healthcare_security", (keys_dir / "healthcare_security.pub").read_bytes())
    problems = verify(*chain(db)[:1], only_ours, chain(db)[1])
    assert [(p.seq, p.kind) for p in problems] == [(5, "signature")]


def test_requests_keep_the_body_as_a_hash_only(keys_dir):
    story = transfer_story(keys_dir)
    details = json.loads(story[2]["details"])
    assert details["roles"] == ["head"] and details["status"] == 200
    assert "approve" not in story[2]["details"]
    assert story[2]["subject"] == "C-1" and story[2]["action"] == "POST /cases/<case_id>/transfer-decision"


# -- bundles -----------------------------------------------------------------------------------------
def bundle_of(db, keys_dir, case="C-1"):
    pems = {p.stem: p.read_text() for p in keys_dir.glob("*.pub")}
    return export_bundle({"healthcare_security": chain(db)}, case, pems, now=T0)


def test_a_case_bundle_holds_the_case_in_full_and_only_hashes_of_the_rest(db, keys_dir):
    record(db, transfer_story(keys_dir))
    bundle = bundle_of(db, keys_dir)
    entries = bundle["records"]["healthcare_security"]["entries"]
    assert [e["seq"] for e in entries if "kind" in e] == [1, 3, 4, 5]
    assert entries[1] == {"seq": 2, "prev_hash": entries[0]["hash"], "hash": entries[1]["hash"]}
    assert set(bundle["public_keys"]) == {"healthcare_security", "public_security"}
    assert verify_bundle(json.loads(json.dumps(bundle))) == []


def test_a_bundle_with_an_edited_entry_fails(db, keys_dir):
    record(db, transfer_story(keys_dir))
    bundle = bundle_of(db, keys_dir)
    bundle["records"]["healthcare_security"]["entries"][2]["actor"] = "officer-li"
    problems = verify_bundle(bundle)
    assert problems and problems[0].startswith("healthcare_security: entry 3")


def test_a_bundle_with_a_swapped_public_key_fails(db, keys_dir, tmp_path):
    record(db, transfer_story(keys_dir))
    bundle = bundle_of(db, keys_dir)
    generate_keys("public_security", tmp_path / "other")
    bundle["public_keys"]["public_security"] = (tmp_path / "other" / "public_security.pub").read_text()
    assert any("entry 5" in p for p in verify_bundle(bundle))


def test_a_bundle_verifies_in_a_fresh_process_with_nothing_but_the_file(db, keys_dir, tmp_path):
    record(db, transfer_story(keys_dir))
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle_of(db, keys_dir)))
    script = ("import json,sys; from shared.audit import verify_bundle; "
              "p=verify_bundle(json.load(open(sys.argv[1]))); print(p or 'ok'); sys.exit(1 if p else 0)")
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin"}, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "ok"


def test_a_bundle_of_an_unknown_case_is_empty_and_says_so(db, keys_dir):
    record(db, transfer_story(keys_dir))
    bundle = bundle_of(db, keys_dir, case="C-404")
    assert bundle["records"] == {}
    assert verify_bundle(bundle) == ["the bundle holds no entry for case C-404"]


# -- search ------------------------------------------------------------------------------------------
def found(db, **filters):
    engine, tables = db
    with Session(engine) as session:
        return [e["seq"] for e in search(session, tables.entries, Filters(**filters))]


def test_search_filters_by_case_user_type_agency_and_time(db, keys_dir):
    record(db, transfer_story(keys_dir))
    assert found(db, case="C-1") == [1, 3, 4, 5]
    assert found(db, user="head-wang") == [3]
    assert found(db, event_type="fundlink.public_security.case.receipt_signed.v1") == [5]
    assert found(db, event_type="POST /cases/<case_id>/transfer-decision") == [1, 3]
    assert found(db, agency="public_security") == [5]  # the police's receipt
    assert found(db, agency="healthcare_security") == [1, 2, 3, 4, 5]  # the bureau's own record
    assert found(db, since="2026-03-10T09:01:30Z", until="2026-03-10T09:02:30+00:00") == [3, 4]
    assert found(db, since="2026-03-10T17:03:00+08:00") == [5]
    assert found(db, case="C-1", limit=2) == [1, 3]


# -- the command line ----------------------------------------------------------------------------------
@pytest.fixture
def tax_record(tmp_path, keys_dir, monkeypatch):
    """tax's record in an SQLite file, read by `fundlink audit` through TAX_DATABASE_URL."""
    url = f"sqlite:///{tmp_path / 'tax.sqlite'}"
    monkeypatch.setenv("TAX_DATABASE_URL", url)
    monkeypatch.setenv("FUNDLINK_KEYS_DIR", str(keys_dir))
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    tables = AuditTables.on(metadata)
    metadata.create_all(engine)
    story = [{**e, "agency": "tax"} for e in transfer_story(keys_dir)]
    with Session(engine) as session, session.begin():
        append(session, tables, *story)
    yield engine
    engine.dispose()


def fundlink_audit(*args):
    from typer.testing import CliRunner

    from shared.cli_audit import audit_app

    return CliRunner().invoke(audit_app, list(args))


def test_audit_verify_says_ok_then_names_the_first_broken_link(tax_record):
    done = fundlink_audit("verify", "tax")
    assert done.exit_code == 0 and "ok 5 entries" in done.output
    with tax_record.begin() as conn:
        conn.execute(sa.text("UPDATE fundlink_audit SET outcome = '200' WHERE seq = 1"))
        conn.execute(sa.text("DELETE FROM fundlink_audit WHERE seq = 4"))
    done = fundlink_audit("verify", "tax")
    assert done.exit_code == 1
    assert "first broken link: entry 1: its contents do not match its hash" in done.output
    assert "entry 5: entry 4 is missing" in done.output


def test_audit_export_writes_a_bundle_that_verify_accepts(tax_record, tmp_path):
    out = tmp_path / "c1.json"
    done = fundlink_audit("export", "--case", "C-1", "--agency", "tax", "--out", str(out))
    assert done.exit_code == 0, done.output
    assert "it verifies" in done.output
    assert fundlink_audit("verify", "--bundle", str(out)).exit_code == 0
    bundle = json.loads(out.read_text())
    bundle["records"]["tax"]["entries"][0]["outcome"] = "200 ok"
    out.write_text(json.dumps(bundle))
    done = fundlink_audit("verify", "--bundle", str(out))
    assert done.exit_code == 1 and "tax: entry 1" in done.output


def test_audit_search_shows_a_table_and_json(tax_record):
    done = fundlink_audit("search", "--record", "tax", "--case", "C-1", "--user", "head-wang")
    assert done.exit_code == 0 and "┃ time" in done.output and "1 entry" in done.output
    done = fundlink_audit("search", "--record", "tax", "--case", "C-1", "--user", "head-wang", "--json")
    assert [json.loads(line)["actor"] for line in done.output.splitlines()] == ["head-wang"]
    done = fundlink_audit("search", "--record", "tax", "--event-type",
                          "fundlink.public_security.case.receipt_signed.v1", "--json")
    assert [json.loads(line)["seq"] for line in done.output.splitlines()] == [5]


def test_pending_changes_are_written_before_the_head_is_locked(db, keys_dir):
    """The head is the last lock of a transaction: rows the caller changed are written (locked) before it,
    or two transactions could each hold what the other waits for."""
    engine, tables = db
    metadata = sa.MetaData()
    notes = sa.Table("audit_order_probe", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("text", sa.String(20)))
    metadata.create_all(engine)

    class Note:
        pass

    sa.orm.registry().map_imperatively(Note, notes)
    with Session(engine) as session, session.begin():
        note = Note()
        note.id, note.text = 1, "first"
        session.add(note)
    statements: list[str] = []

    def keep(conn, cursor, statement, *args):
        statements.append(statement.split()[0].upper())

    sa.event.listen(engine, "before_cursor_execute", keep)
    try:
        with Session(engine) as session, session.begin():
            session.get(Note, 1).text = "changed"
            statements.clear()
            append(session, tables, *transfer_story(keys_dir)[:1])
    finally:
        sa.event.remove(engine, "before_cursor_execute", keep)
        metadata.drop_all(engine)
    assert statements[0] == "UPDATE" and statements[1] == "SELECT", statements

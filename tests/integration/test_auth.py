"""Who may do what (issue 12): tokens on every route, roles checked in one place, and a hand-off record
that proves itself. Real services on RabbitMQ and PostgreSQL; the routes come from the published
OpenAPI documents, so a new route cannot slip past these tests."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from typer.testing import CliRunner

from services.healthcare_security.service import HealthcareSecurityService
from shared.audit import AUDIT_HEAD_TABLE, AUDIT_TABLE
from shared.auth import ensure_issuer_key, issue_token
from shared.cli import app
from shared.config import REPO_ROOT
from shared.contracts.openapi import service_classes

pytestmark = pytest.mark.integration
AGENCIES = sorted(service_classes())
_PARAM = re.compile(r"\{(\w+)\}")


def routes(agency):
    """Every (method, path) of the agency's published OpenAPI that needs a token."""
    doc = yaml.safe_load((REPO_ROOT / "contracts" / "openapi" / f"{agency}.yaml").read_text(encoding="utf-8"))
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            if op.get("security") != []:
                ints = {p["name"] for p in op.get("parameters", []) if p.get("schema", {}).get("type") == "integer"}
                yield method.upper(), _PARAM.sub(lambda m, ints=ints: "999999" if m[1] in ints else f"no-such-{m[1]}",
                                                 path)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def state(fleet, agency):
    """Row counts of every table the agency keeps, but its record (refusals are recorded there)."""
    with fleet.database(agency).engine.connect() as conn:
        names = [n for n in sa.inspect(conn).get_table_names() if n not in (AUDIT_TABLE, AUDIT_HEAD_TABLE)]
        return {n: conn.execute(sa.text(f'SELECT count(*) FROM "{n}"')).scalar() for n in names}


def record(fleet, agency, kind=None):
    with fleet.database(agency).engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.text(f"SELECT * FROM {AUDIT_TABLE} ORDER BY seq"))]
    return [r for r in rows if kind is None or r["kind"] == kind]


@pytest.fixture(scope="module")
def forger(tmp_path_factory):
    """A key pair that is not the fundlink issuer's: its tokens are forgeries."""
    directory = tmp_path_factory.mktemp("forger")
    ensure_issuer_key(directory, test=True)
    return directory


@pytest.mark.parametrize("agency", AGENCIES)
def test_every_route_refuses_a_missing_expired_forged_or_other_agency_token(fleet, forger, agency):
    fleet.start(agency)
    other = next(a for a in AGENCIES if a != agency)
    long_ago = datetime.now(UTC) - timedelta(days=2)
    bad = {
        "no token": (None, 401, "no token"),
        "expired": (fleet.token(agency, "officer", "head", "auditor", now=long_ago, ttl=timedelta(hours=1)),
                    401, "expired"),
        "forged": (issue_token(forger, agency=agency, user="mallory", roles=["head", "auditor"]), 401, "forged"),
        "other agency": (fleet.token(other, "officer", "head", "auditor"), 403, f"is for '{other}'"),
        "not a JWT": ("not-a-token", 401, "not a readable JWT"),
    }
    before = state(fleet, agency)
    tried = 0
    for method, path in routes(agency):
        for what, (token, status, reason) in bad.items():
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            r = fleet.call(method, agency, path, token=False, headers=headers, json={})
            assert r.status_code == status, (what, method, path, r.status_code, r.text)
            body = r.json()
            assert reason in body["message"], (what, method, path, body)
            tried += 1
    assert tried >= 5 * 2  # every agency has routes beyond /health and /metrics
    assert state(fleet, agency) == before, "a refused request changed state"
    refused = record(fleet, agency, "refused")
    assert len(refused) == tried  # every refusal is in the record
    assert {r["actor"] for r in refused} >= {"", "unverified:mallory"}
    print(f"\n{agency}: {tried} refused requests over {tried // len(bad)} routes, state unchanged")


class BureauInSeptember(HealthcareSecurityService):
    """The bureau on a fixed day, so its statutory clocks stay inside the loaded holiday table."""

    def clock(self):
        return datetime(2026, 9, 28, 9, 0, tzinfo=UTC)


def transfer_ready(fleet, case_id):
    post = lambda path, body: fleet.post("healthcare_security", path, json=body)  # noqa: E731
    for path, body in (("/cases", {"case_id": case_id, "region_code": "460100"}),
                       (f"/cases/{case_id}/filing", {"filed_by": "section chief Zhao"}),
                       (f"/cases/{case_id}/investigation", {"officers": ["officer Wang", "officer Li"]}),
                       (f"/cases/{case_id}/findings", {"amount_defrauded_fen": 1_250_000})):
        assert post(path, body).status_code in (200, 201), path
    report = {
        "officers": ["officer Wang", "officer Li"],
        "suspect": {"kind": "unit", "name": "Haikou Kangning Hospital", "id_number": "91460100MA5T00001X"},
        "facts_summary": "ghost admissions", "amount_defrauded_fen": 1_250_000, "conduct_period": "2025-01/2025-12",
        "legal_basis": ["Criminal Law art. 266"],
        "attachments": [{"kind": k, "document_id": f"store://{k}", "title": f"{k}.pdf", "sha256": f"{i:064x}",
                         "size_bytes": 100} for i, k in enumerate(("transfer_letter", "investigation_report"), 1)],
    }
    assert post(f"/cases/{case_id}/transfer-report", report).status_code == 200


def cli(*args, env=None):
    result = CliRunner().invoke(app, [str(a) for a in args], env=env)
    return result.exit_code, result.output


def test_only_the_head_approves_a_transfer_and_the_record_proves_who_did_what(fleet, tmp_path):
    fleet.start("healthcare_security", BureauInSeptember)
    transfer_ready(fleet, "C-AUTH")
    decision = {"decided_by": "director Sun", "approve": True}
    url = "/cases/C-AUTH/transfer-decision"

    refused = fleet.post("healthcare_security", url, json=decision, role="officer", user="officer-li")
    assert refused.status_code == 403
    assert "Decree 310 art. 5" in refused.json()["message"] and "only head" in refused.json()["message"]
    assert fleet.get("healthcare_security", "/cases/C-AUTH").json()["state"] == "transfer_report_submitted"
    approved = fleet.post("healthcare_security", url, json=decision, role="head", user="head-sun")
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved"
    assert fleet.post("healthcare_security", "/cases/C-AUTH/transfer", json={}).status_code == 200

    # Both attempts are in the record; an auditor finds them, an officer may not search.
    assert fleet.get("healthcare_security", "/audit?case=C-AUTH", role="officer").status_code == 403
    found = fleet.get("healthcare_security", "/audit?case=C-AUTH&event_type=POST%20/cases/<case_id>/transfer-decision",
                      role="auditor").json()["entries"]
    assert [(e["kind"], e["actor"], e["role"], e["outcome"][:3]) for e in found] == [
        ("refused", "officer-li", "", "403"), ("request", "head-sun", "head", "200")]
    sent = fleet.get("healthcare_security", "/audit?case=C-AUTH&user=healthcare_security", role="auditor").json()
    assert any(e["kind"] == "sent" and e["action"].endswith("case.transferred_to_police.v1")
               for e in sent["entries"]), sent

    # The chain verifies; the CLI reads the agency's database and keys like any operator's shell.
    settings = fleet.settings["healthcare_security"]
    env = {"HEALTHCARE_SECURITY_DATABASE_URL": settings.database_url, "FUNDLINK_KEYS_DIR": str(settings.keys_dir)}
    code, out = cli("audit", "verify", "healthcare_security", env=env)
    assert code == 0 and "ok" in out, out
    code, out = cli("audit", "search", "--record", "healthcare_security", "--case", "C-AUTH", "--user", "head-sun",
                    "--json", env=env)
    assert code == 0, out
    assert [(e["actor"], e["action"]) for e in map(json.loads, out.splitlines())] == [
        ("head-sun", "POST /cases/<case_id>/transfer-decision")]

    # A bundle of the case verifies in a fresh process that has nothing but the file.
    bundle = tmp_path / "bundle.json"
    code, out = cli("audit", "export", "--case", "C-AUTH", "--out", bundle, "--agency", "healthcare_security",
                    env=env)
    assert code == 0 and "it verifies" in out, out
    alone = tmp_path / "elsewhere"
    alone.mkdir()
    (alone / "bundle.json").write_bytes(bundle.read_bytes())
    checked = subprocess.run([sys.executable, "-c", "import json; from shared.audit import verify_bundle; "
                              "print(verify_bundle(json.load(open('bundle.json'))))"],
                             cwd=alone, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0 and checked.stdout.strip() == "[]", checked.stderr
    doc = json.loads(bundle.read_text())
    full = [e for e in doc["records"]["healthcare_security"]["entries"] if "kind" in e]
    full[-1]["outcome"] = "edited after export"
    (alone / "bundle.json").write_text(json.dumps(doc))
    tampered = subprocess.run([sys.executable, "-c", "import json; from shared.audit import verify_bundle; "
                               "print(verify_bundle(json.load(open('bundle.json'))))"],
                              cwd=alone, capture_output=True, text=True, timeout=60)
    assert tampered.returncode == 0 and f"entry {full[-1]['seq']}" in tampered.stdout, tampered.stdout


@pytest.mark.parametrize("damage", ["alter", "delete"])
def test_an_altered_or_deleted_record_row_is_named_by_audit_verify(fleet, damage):
    fleet.start("tax")
    for n in range(3):
        feed = {"feed_id": f"F-AUD-{n}-{uuid.uuid4().hex[:4]}", "region_code": "460100", "region_level": "city",
                "period": "2026-10", "treasury_code": "HK-0101",
                "lines": [{"scheme": "resident", "payer_count": 1, "insured_person_count": 1,
                           "amount_collected_fen": 100, "refunds_fen": 0, "arrears_fen": 0, "late_surcharge_fen": 0}]}
        assert fleet.post("tax", "/feeds", json=feed).status_code == 202
    rows = record(fleet, "tax")
    assert len(rows) >= 6  # per feed: the request and the event it sent
    settings = fleet.settings["tax"]
    env = {"TAX_DATABASE_URL": settings.database_url, "FUNDLINK_KEYS_DIR": str(settings.keys_dir)}
    assert cli("audit", "verify", "tax", env=env)[0] == 0
    victim = rows[2]["seq"]
    with fleet.database("tax").engine.begin() as conn:
        if damage == "alter":
            conn.execute(sa.text(f"UPDATE {AUDIT_TABLE} SET actor = 'someone else' WHERE seq = :s"), {"s": victim})
        else:
            conn.execute(sa.text(f"DELETE FROM {AUDIT_TABLE} WHERE seq = :s"), {"s": victim})
    code, out = cli("audit", "verify", "tax", env=env)
    assert code == 1 and "BROKEN" in out, out
    first = re.search(r"first broken link: entry (\d+)", out)
    assert first and int(first[1]) in (victim, victim + 1), out  # the altered row, or the link that lost its row
    print(f"\n{damage}: {out.strip()}")


def test_the_reporter_and_id_numbers_never_reach_logs_or_metrics(amqp_uri, tmp_path):
    """A full demo run (`fundlink run`, its own SQLite files and keys) with a whistle-blower's report: the
    logs of every service and every /metrics page hold no ID-number pattern and not the reporter's name."""
    import os
    import signal
    import time

    import requests

    from shared.demo import REPORTER
    from shared.masking import PATTERNS

    env = {**os.environ, "FUNDLINK_VAR_DIR": str(tmp_path / "var"), "AMQP_URI": amqp_uri, "PYTHONUNBUFFERED": "1",
           "COLUMNS": "200"}
    env.pop("DATABASE_URL", None)  # the embedded default: SQLite per agency
    ports = {a: free_port() for a in AGENCIES}
    for a, p in ports.items():
        env[f"{a.upper()}_WEB_SERVER_ADDRESS"] = f"127.0.0.1:{p}"
    out = tmp_path / "run.log"
    with open(out, "w") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "shared.entry", "run"], env=env, stdout=sink,
                                stderr=subprocess.STDOUT, cwd=REPO_ROOT, start_new_session=True)
    try:
        end = time.monotonic() + 240
        while "demo round trip" not in out.read_text() and proc.poll() is None and time.monotonic() < end:
            time.sleep(1)
        assert "demo round trip closed" in out.read_text(), out.read_text()[-3000:]
        pages = [requests.get(f"http://127.0.0.1:{p}/metrics", timeout=10).text for p in ports.values()]
        # Names and labels, not sample values: a float's digits are not an ID number.
        metrics = "\n".join(line.rsplit(" ", 1)[0] for page in pages for line in page.splitlines())
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=60)
    logs = out.read_text()
    assert '"level"' in logs  # the services' JSON log lines are in there
    for name, text in (("logs", logs), ("metrics", metrics)):
        for pattern in PATTERNS[:1]:  # 18-character resident ID numbers
            assert not pattern.search(text), (name, pattern.search(text))
        for secret in (REPORTER["name"], REPORTER["id_number"], REPORTER["phone"]):
            assert secret not in text, (name, secret)
    print(f"\nscanned {len(logs):,} characters of logs and {len(metrics):,} of metrics: no personal data")


def test_tokens_come_from_the_cli_and_say_what_they_allow(tmp_path):
    keys = tmp_path / "keys"
    code, out = cli("users", "issue-token", "--agency", "tax", "--user", "integrator-1", "--role", "integrator",
                    "--keys-dir", keys)
    assert code == 0 and out.count(".") == 2, out
    assert (keys / "token-issuer.pub").exists()
    code, out = cli("users", "issue-token", "--agency", "tax", "--user", "x", "--role", "king", "--keys-dir", keys)
    assert code != 0 and "unknown role" in out
    code, out = cli("users", "roles", env={"COLUMNS": "300"})
    assert code == 0 and "Decree 310" in out and "integrator" in out
    assert Path(REPO_ROOT / "contracts" / "roles.yaml").exists()

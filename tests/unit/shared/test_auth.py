"""Who may do what: tokens and the role table (contracts/roles.yaml)."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.auth import (
    ROLES_FILE,
    acting_role,
    auth_headers,
    authorise,
    authorise_command,
    bearer_token,
    check_request,
    issue_token,
    load_issuer_public_key,
    may_see,
    role_table,
    verify_token,
)
from shared.http import Forbidden, Unauthorized, error_response

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[3]
TRANSFER_DECISION = "/cases/<case_id>/transfer-decision"


@pytest.fixture
def keys(tmp_path):
    return tmp_path


def token(keys, agency="healthcare_security", roles=("officer",), user="officer-li", ttl=timedelta(hours=1),
          now=NOW):
    return issue_token(keys, agency=agency, user=user, roles=list(roles), ttl=ttl, now=now)


def claims_of(keys, tok, now=NOW):
    return verify_token(tok, load_issuer_public_key(keys), now=now)


def test_a_token_names_its_agency_user_roles_issuer_and_expiry(keys):
    claims = claims_of(keys, token(keys, roles=("officer", "head")))
    assert claims["sub"] == "officer-li"
    assert claims["agency"] == "healthcare_security"
    assert claims["roles"] == ["officer", "head"]
    assert claims["iss"] == "fundlink"
    assert claims["exp"] - claims["iat"] == 3600


def test_the_issuer_key_is_made_on_first_use_and_kept_private(keys):
    token(keys)
    private = keys / "token-issuer.key"
    assert private.exists() and (keys / "token-issuer.pub").exists()
    assert private.stat().st_mode & 0o077 == 0
    first = private.read_bytes()
    token(keys)
    assert private.read_bytes() == first


def test_an_expired_token_is_refused_with_401_saying_so(keys):
    tok = token(keys, ttl=timedelta(minutes=5))
    with pytest.raises(Unauthorized, match="expired"):
        claims_of(keys, tok, now=NOW + timedelta(hours=1))


def test_an_expired_token_is_refused_on_the_wall_clock_too(keys):
    tok = token(keys, now=datetime.now(UTC) - timedelta(hours=2), ttl=timedelta(minutes=5))
    with pytest.raises(Unauthorized, match="expired"):
        verify_token(tok, load_issuer_public_key(keys))


def test_a_token_signed_by_another_key_is_refused_as_forged(keys):
    other = Ed25519PrivateKey.generate()
    forged = jwt.encode({"sub": "x", "agency": "healthcare_security", "roles": ["head"], "iss": "fundlink",
                         "iat": int(NOW.timestamp()), "exp": int((NOW + timedelta(hours=1)).timestamp())},
                        other, algorithm="EdDSA")
    token(keys)  # the real issuer key exists
    with pytest.raises(Unauthorized, match="forged"):
        claims_of(keys, forged)


def test_a_token_with_its_roles_edited_no_longer_verifies(keys):
    header, payload, signature = token(keys).split(".")
    body = jwt.utils.base64url_decode(payload).replace(b'"officer"', b'"head"')
    tampered = ".".join([header, jwt.utils.base64url_encode(body).decode(), signature])
    with pytest.raises(Unauthorized, match="forged"):
        claims_of(keys, tampered)


def test_an_unsigned_or_hmac_token_is_refused(keys):
    token(keys)
    claims = {"sub": "x", "agency": "healthcare_security", "roles": ["head"], "iss": "fundlink",
              "iat": int(NOW.timestamp()), "exp": int((NOW + timedelta(hours=1)).timestamp())}
    for alg, key in (("none", None), ("HS256", "a-shared-secret-anyone-could-have-guessed")):
        with pytest.raises(Unauthorized):
            claims_of(keys, jwt.encode(claims, key, algorithm=alg))


def test_garbage_is_not_a_token(keys):
    token(keys)
    with pytest.raises(Unauthorized, match="not a readable JWT"):
        claims_of(keys, "not-a-token")


def test_a_token_with_an_unknown_role_is_refused(keys):
    with pytest.raises(ValueError, match="unknown role"):
        token(keys, roles=("superuser",))


def test_a_token_from_another_issuer_name_is_refused(keys):
    token(keys)
    from shared.auth import _private_key

    tok = jwt.encode({"sub": "x", "agency": "tax", "roles": ["officer"], "iss": "elsewhere",
                      "iat": int(NOW.timestamp()), "exp": int((NOW + timedelta(hours=1)).timestamp())},
                     _private_key(keys), algorithm="EdDSA")
    with pytest.raises(Unauthorized, match="not issued by"):
        claims_of(keys, tok)


def test_no_authorization_header_means_401_with_how_to_get_a_token():
    with pytest.raises(Unauthorized, match="issue-token"):
        bearer_token(None)
    with pytest.raises(Unauthorized, match="Bearer"):
        bearer_token("Basic dXNlcjpwYXNz")
    assert bearer_token("Bearer abc.def.ghi") == "abc.def.ghi"


def test_a_token_of_another_agency_is_forbidden_naming_both(keys):
    claims = claims_of(keys, token(keys, agency="tax"))
    with pytest.raises(Forbidden, match="'tax'.*healthcare_security"):
        authorise(claims, "healthcare_security", "GET", "/cases")


def test_only_the_head_approves_a_transfer_decree_310_art_5(keys):
    officer = claims_of(keys, token(keys, roles=("officer",)))
    head = claims_of(keys, token(keys, roles=("head",), user="head-wang"))
    with pytest.raises(Forbidden, match="only head .*Decree 310 art. 5"):
        authorise(officer, "healthcare_security", "POST", TRANSFER_DECISION)
    authorise(head, "healthcare_security", "POST", TRANSFER_DECISION)
    assert acting_role(head, "healthcare_security", "POST", TRANSFER_DECISION) == "head"


@pytest.mark.parametrize("agency,route", [
    ("healthcare_security", "/budget-drafts/<draft_id>/review"),
    ("healthcare_security", "/reports/<report_id>/reward"),
    ("finance", "/budget-drafts/<draft_id>/review"),
])
def test_budget_reviews_and_rewards_are_the_heads_to_approve(keys, agency, route):
    officer = claims_of(keys, token(keys, agency=agency))
    with pytest.raises(Forbidden, match="approve"):
        authorise(officer, agency, "POST", route)
    authorise(claims_of(keys, token(keys, agency=agency, roles=("head",))), agency, "POST", route)


def test_an_officer_works_cases(keys):
    officer = claims_of(keys, token(keys))
    authorise(officer, "healthcare_security", "POST", "/cases")
    authorise(officer, "healthcare_security", "GET", "/cases/<case_id>")


def test_the_auditor_reads_everything_and_changes_nothing(keys):
    auditor = claims_of(keys, token(keys, roles=("auditor",)))
    authorise(auditor, "healthcare_security", "GET", "/cases/<case_id>")
    authorise(auditor, "healthcare_security", "GET", "/audit")
    for route in ("/cases", TRANSFER_DECISION):
        with pytest.raises(Forbidden, match="auditor"):
            authorise(auditor, "healthcare_security", "POST", route)


def test_only_the_auditor_searches_the_record(keys):
    for role in ("officer", "head", "operator", "integrator"):
        with pytest.raises(Forbidden, match="'audit'"):
            authorise(claims_of(keys, token(keys, roles=(role,))), "healthcare_security", "GET", "/audit")


def test_the_operator_reads_no_matter_but_may_replay_dead_letters(keys):
    operator = claims_of(keys, token(keys, roles=("operator",)))
    with pytest.raises(Forbidden):
        authorise(operator, "healthcare_security", "GET", "/cases/<case_id>")
    authorise_command(operator, "dlq replay")
    with pytest.raises(Forbidden, match="operate"):
        authorise_command(claims_of(keys, token(keys)), "dlq purge")


def test_an_integrator_pushes_feeds_and_nothing_else(keys):
    feeder = claims_of(keys, token(keys, agency="tax", roles=("integrator",), user="tax-golden-tax-system"))
    authorise(feeder, "tax", "POST", "/feeds")
    with pytest.raises(Forbidden):
        authorise(feeder, "tax", "POST", "/discrepancies/<discrepancy_id>/corrections")
    with pytest.raises(Forbidden):
        authorise(feeder, "tax", "GET", "/feeds/<feed_id>")


def test_the_reporter_is_visible_only_to_roles_that_handle_reports(keys):
    assert may_see(claims_of(keys, token(keys, roles=("officer",))), "report.reporter")
    assert may_see(claims_of(keys, token(keys, roles=("head",))), "report.reporter")
    for role in ("auditor", "operator", "integrator"):
        assert not may_see(claims_of(keys, token(keys, roles=(role,))), "report.reporter")
    assert not may_see(None, "report.reporter")


def test_check_request_runs_every_step(keys):
    tok = token(keys, roles=("head",))
    public = load_issuer_public_key(keys)
    claims = check_request(f"Bearer {tok}", public, "healthcare_security", "POST", TRANSFER_DECISION, now=NOW)
    assert claims["roles"] == ["head"]
    with pytest.raises(Forbidden):
        check_request(f"Bearer {tok}", public, "finance", "GET", "/notices", now=NOW)


def test_refusals_map_to_401_and_403_with_the_reason():
    assert error_response(Unauthorized("token expired")) == (401, {"error": "unauthorized",
                                                                   "message": "token expired"})
    assert error_response(Forbidden("no"))[0] == 403


def test_a_missing_issuer_key_refuses_every_token(tmp_path):
    with pytest.raises(Unauthorized, match="token issuer key"):
        load_issuer_public_key(tmp_path)


def test_command_line_calls_send_the_token_from_the_environment(monkeypatch):
    monkeypatch.setenv("FUNDLINK_TOKEN", "abc")
    monkeypatch.setenv("FINANCE_FUNDLINK_TOKEN", "fin")
    assert auth_headers() == {"Authorization": "Bearer abc"}
    assert auth_headers("tax") == {"Authorization": "Bearer abc"}
    assert auth_headers("finance") == {"Authorization": "Bearer fin"}
    monkeypatch.delenv("FUNDLINK_TOKEN")
    assert auth_headers("tax") == {}


# -- the table itself ------------------------------------------------------------------------------
def _openapi_routes(agency):
    doc = yaml.safe_load((REPO / "contracts" / "openapi" / f"{agency}.yaml").read_text())
    return {f"{m.upper()} {path}" for path, ops in doc["paths"].items() for m in ops}


def test_every_route_named_in_the_role_table_exists_in_its_service():
    table = role_table()
    for agency, routes in table.routes.items():
        if agency == "*":
            continue
        known = _openapi_routes(agency)
        for route in routes:
            spelled = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
            assert spelled in known, f"{agency}: {route} is in contracts/roles.yaml but not in the service"


def test_every_action_a_route_needs_is_held_by_some_role():
    doc = yaml.safe_load(ROLES_FILE.read_text())
    held = {a for spec in doc["roles"].values() for a in spec["may"]}
    needed = {"read", "write"} | {spec["action"] for routes in doc["routes"].values() for spec in routes.values()}
    needed |= set(doc["commands"].values())
    assert needed <= held
    assert set(doc["confidential"]["report.reporter"]) <= set(doc["roles"])


def test_fundlink_users_issue_token_prints_a_token_the_services_accept(tmp_path):
    from typer.testing import CliRunner

    from shared.cli_users import users_app

    done = CliRunner().invoke(users_app, ["issue-token", "--agency", "tax", "--user", "officer-li", "--role", "officer",
                                          "--role", "auditor", "--ttl", "600", "--keys-dir", str(tmp_path)])
    assert done.exit_code == 0, done.output
    claims = verify_token(done.output.strip(), load_issuer_public_key(tmp_path))
    assert (claims["agency"], claims["sub"], claims["roles"]) == ("tax", "officer-li", ["officer", "auditor"])
    assert claims["exp"] - claims["iat"] == 600
    refused = CliRunner().invoke(users_app, ["issue-token", "--agency", "tax", "--user", "x", "--role", "root",
                                             "--keys-dir", str(tmp_path)])
    assert refused.exit_code == 2 and "unknown role" in refused.output

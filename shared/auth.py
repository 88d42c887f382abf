"""Who may call what: signed officer tokens and the role table, checked in one place.

A token is a JWT signed with Ed25519 (``EdDSA``) by the token issuer's key pair
``token-issuer.key`` / ``token-issuer.pub`` in the keys directory. Its claims name one agency,
one user and their roles: ``{sub, agency, roles, iat, exp, iss="fundlink"}``. A service accepts
only tokens for its own agency, and only for what the role table (``contracts/roles.yaml``)
lets one of the token's roles do. Every refusal says why, and what to do about it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import jwt
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.bus.signing import generate_keys, key_id
from shared.config import REPO_ROOT
from shared.http import Forbidden, Unauthorized

ISSUER = "fundlink"
ISSUER_PARTY = "token-issuer"
ALGORITHM = "EdDSA"
ROLES_FILE = REPO_ROOT / "contracts" / "roles.yaml"
OPEN_ROUTES = frozenset({"/health", "/metrics"})
LEEWAY = timedelta(seconds=30)  # clocks of caller and service may differ a little
DEFAULT_TTL = timedelta(hours=8)  # one working day
TOKEN_ENV = "FUNDLINK_TOKEN"  # noqa: S105 - the name of a variable, not a secret


# -- the role table ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Permission:
    """What one route needs: an action, the roles that have it, and why (told to a refused caller)."""

    action: str
    roles: tuple[str, ...]
    basis: str = ""


@dataclass(frozen=True)
class RoleTable:
    roles: dict[str, frozenset[str]]
    descriptions: dict[str, str]
    routes: dict[str, dict[str, tuple[str, str]]]
    confidential: dict[str, frozenset[str]]
    commands: dict[str, str]

    @classmethod
    def from_dict(cls, doc: dict) -> RoleTable:
        roles = {name: frozenset(spec.get("may", ())) for name, spec in doc["roles"].items()}
        routes: dict[str, dict[str, tuple[str, str]]] = {}
        for agency, entries in (doc.get("routes") or {}).items():
            routes[agency] = {_route_key(key): (spec["action"], spec.get("basis", ""))
                              for key, spec in (entries or {}).items()}
        return cls(
            roles=roles,
            descriptions={name: spec.get("description", "") for name, spec in doc["roles"].items()},
            routes=routes,
            confidential={k: frozenset(v) for k, v in (doc.get("confidential") or {}).items()},
            commands=dict(doc.get("commands") or {}),
        )

    def permission(self, agency: str, method: str, route: str) -> Permission:
        key = _route_key(f"{method} {route}")
        action, basis = (self.routes.get(agency, {}).get(key) or self.routes.get("*", {}).get(key)
                         or (("read" if method.upper() in ("GET", "HEAD") else "write"), ""))
        return Permission(action, tuple(r for r, may in self.roles.items() if action in may), basis)

    def granting(self, roles, action: str) -> list[str]:
        """The token's roles that may do ``action``, in the token's order."""
        return [r for r in roles if action in self.roles.get(r, ())]


def _route_key(text: str) -> str:
    method, _, path = text.strip().partition(" ")
    return f"{method.upper()} {path.strip()}"


@lru_cache(maxsize=4)
def role_table(path: Path = ROLES_FILE) -> RoleTable:
    return RoleTable.from_dict(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


# -- tokens --------------------------------------------------------------------------------------
def issuer_key_paths(keys_dir: Path) -> tuple[Path, Path]:
    return Path(keys_dir) / f"{ISSUER_PARTY}.key", Path(keys_dir) / f"{ISSUER_PARTY}.pub"


def ensure_issuer_key(keys_dir: Path, *, test: bool = False) -> Path:
    """Make the issuer's key pair on first use; keep an existing one."""
    private, _ = issuer_key_paths(keys_dir)
    if not private.exists():
        generate_keys(ISSUER_PARTY, Path(keys_dir), test=test)
    return private


def _pem(data: bytes) -> bytes:
    start = data.find(b"-----BEGIN")  # test keys carry a comment line first
    return data[start:] if start >= 0 else data


def _private_key(keys_dir: Path) -> Ed25519PrivateKey:
    private, _ = issuer_key_paths(keys_dir)
    key = serialization.load_pem_private_key(_pem(private.read_bytes()), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{private} is not an Ed25519 private key")
    return key


def load_issuer_public_key(keys_dir: Path) -> Ed25519PublicKey:
    _, public = issuer_key_paths(keys_dir)
    if not public.exists():
        raise Unauthorized(f"this service has no token issuer key ({public}); tokens cannot be checked until "
                           "the operator installs it (`fundlink keys generate token-issuer`)")
    key = serialization.load_pem_public_key(_pem(public.read_bytes()))
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{public} is not an Ed25519 public key")
    return key


def issue_token(keys_dir: Path, *, agency: str, user: str, roles: list[str], ttl: timedelta = DEFAULT_TTL,
                now: datetime | None = None, table: RoleTable | None = None) -> str:
    """Sign a token for ``user`` at ``agency`` with ``roles``; unknown roles are refused here."""
    table = table or role_table()
    unknown = [r for r in roles if r not in table.roles]
    if unknown or not roles:
        raise ValueError(f"unknown role(s) {', '.join(unknown) or '(none given)'}; known: {', '.join(table.roles)}")
    ensure_issuer_key(keys_dir)
    key = _private_key(keys_dir)
    issued = (now or datetime.now(UTC)).astimezone(UTC)
    claims = {"sub": user, "agency": agency, "roles": list(roles), "iss": ISSUER,
              "iat": int(issued.timestamp()), "exp": int((issued + ttl).timestamp())}
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": key_id(key.public_key())})


def verify_token(token: str, public_key: Ed25519PublicKey, *, now: datetime | None = None,
                 table: RoleTable | None = None) -> dict:
    """Return the token's claims, or raise Unauthorized (401) saying what is wrong with it."""
    table = table or role_table()
    options = {"require": ["sub", "iat", "exp", "iss"], "verify_exp": now is None, "verify_iat": now is None}
    try:
        claims = jwt.decode(token, public_key, algorithms=[ALGORITHM], issuer=ISSUER, leeway=LEEWAY,
                            options=options)
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("token expired; ask for a new one (`fundlink users issue-token`)") from exc
    except jwt.InvalidSignatureError as exc:
        raise Unauthorized("token signature does not verify with the fundlink token issuer's key: forged, "
                           "or issued by another issuer") from exc
    except jwt.InvalidAlgorithmError as exc:
        raise Unauthorized(f"token algorithm not accepted ({exc}); fundlink tokens are signed with EdDSA") from exc
    except jwt.InvalidIssuerError as exc:
        raise Unauthorized(f"token was not issued by {ISSUER!r}") from exc
    except jwt.ImmatureSignatureError as exc:
        raise Unauthorized("token is not valid yet (issued in the future); check the issuer's clock") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise Unauthorized(f"token lacks the {exc.claim!r} claim") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"token is not a readable JWT ({type(exc).__name__}); send "
                           "'Authorization: Bearer <token>' with a token from `fundlink users issue-token`") from exc
    if now is not None:
        _check_times(claims, now)
    return _check_claims(claims, table)


def _check_times(claims: dict, now: datetime) -> None:
    at = now.timestamp()
    if claims["exp"] + LEEWAY.total_seconds() <= at:
        raise Unauthorized("token expired; ask for a new one (`fundlink users issue-token`)")
    if claims["iat"] - LEEWAY.total_seconds() > at:
        raise Unauthorized("token is not valid yet (issued in the future); check the issuer's clock")


def _check_claims(claims: dict, table: RoleTable) -> dict:
    if not isinstance(claims.get("agency"), str) or not claims["agency"]:
        raise Unauthorized("token names no agency; issue one with --agency")
    roles = claims.get("roles")
    if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
        raise Unauthorized("token names no roles; issue one with --role")
    unknown = [r for r in roles if r not in table.roles]
    if unknown:
        raise Unauthorized(f"token names unknown role(s) {', '.join(unknown)}; known: {', '.join(table.roles)}")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise Unauthorized("token names no user (sub)")
    return claims


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer …`` header; 401 if there is none."""
    if not authorization:
        raise Unauthorized("no token: send 'Authorization: Bearer <token>' (get one with `fundlink users issue-token`)")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(f"Authorization scheme {scheme!r} is not accepted; send 'Authorization: Bearer <token>'")
    return token.strip()


# -- the one check -------------------------------------------------------------------------------
def authorise(claims: dict, agency: str, method: str, route: str, table: RoleTable | None = None) -> None:
    """Raise Forbidden (403) unless the token is for ``agency`` and one of its roles may do the route."""
    table = table or role_table()
    if claims.get("agency") != agency:
        raise Forbidden(f"token is for {claims.get('agency')!r}, but this is {agency}'s service; "
                        f"use a token issued for {agency}")
    need = table.permission(agency, method, route)
    if table.granting(claims["roles"], need.action):
        return
    who = ", ".join(need.roles) or "no role"
    why = f" ({need.basis})" if need.basis else ""
    raise Forbidden(f"{method.upper()} {route} needs the {need.action!r} permission, which only {who} "
                    f"has{why}; your token has role(s) {', '.join(claims['roles'])}")


def acting_role(claims: dict, agency: str, method: str, route: str, table: RoleTable | None = None) -> str:
    """The first of the token's roles that allows the route (for the record); '' if none."""
    table = table or role_table()
    granted = table.granting(claims.get("roles") or [], table.permission(agency, method, route).action)
    return granted[0] if granted else ""


def may_see(claims: dict | None, field: str, table: RoleTable | None = None) -> bool:
    """Whether a caller may see a confidential field such as ``report.reporter``."""
    table = table or role_table()
    allowed = table.confidential.get(field)
    if allowed is None:
        return True
    return bool(claims) and any(r in allowed for r in claims.get("roles") or [])


def authorise_command(claims: dict, command: str, table: RoleTable | None = None) -> None:
    """The role check for a command-line action that is not an HTTP route (``dlq replay``)."""
    table = table or role_table()
    action = table.commands.get(command)
    if action is None or table.granting(claims.get("roles") or [], action):
        return
    raise Forbidden(f"`fundlink {command}` needs the {action!r} permission; your token has role(s) "
                    f"{', '.join(claims.get('roles') or [])}")


def check_request(authorization: str | None, public_key: Ed25519PublicKey, agency: str, method: str,
                  route: str, *, now: datetime | None = None) -> dict:
    """Everything a service checks on a request: a token, valid, for this agency, allowed here."""
    claims = verify_token(bearer_token(authorization), public_key, now=now)
    authorise(claims, agency, method, route)
    return claims


def auth_headers(agency: str | None = None, token: str | None = None) -> dict[str, str]:
    """Headers for a command-line call to ``agency``'s service: the token in ``<AGENCY>_FUNDLINK_TOKEN``,
    else ``FUNDLINK_TOKEN`` (a token is good at one agency only; a command that calls several needs one each)."""
    token = token or (agency and os.environ.get(f"{agency.upper()}_{TOKEN_ENV}")) or os.environ.get(TOKEN_ENV, "")
    return {"Authorization": f"Bearer {token}"} if token else {}

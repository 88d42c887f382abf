"""Data comparison (数据比对, HO-34): the center's rules. Pure: no I/O.

The center asks public security, human resources and social security, tax and civil affairs to match persons
against their registers (002:15, 33; 004:49, 92; 000:233). A match that bears on a person's benefits (a death,
enrollment elsewhere, a benefit drawn elsewhere) opens a review; an officer decides. Nothing here pays, stops or
suspends a benefit by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from shared.parties.other import comparison_token

PURPOSES = ("eligibility", "duplicate_enrollment", "duplicate_benefit", "death")
DEPARTMENTS = ("public_security", "hr_social_security", "tax", "civil_affairs")
# Findings that put a person's benefits in doubt; "found" and "not_found" are recorded only.
FLAGGING = frozenset({"deceased", "enrolled_elsewhere", "receiving_benefit"})
DECISIONS = {"stop": "stopped", "suspend": "suspended", "keep": None}  # decision -> benefit status it sets
BENEFIT_STATUSES = ("active", "suspended", "stopped")


class ComparisonError(Exception):
    """The request or decision breaks a comparison rule; the message says which."""


def tokens(request_id: str, id_numbers: Iterable[str]) -> dict[str, str]:
    """token -> id number for one request; the id numbers stay at the center."""
    out: dict[str, str] = {}
    for id_number in id_numbers:
        out[comparison_token(request_id, id_number)] = id_number.strip().upper()
    return out


def check_request(purpose: str, queried: Iterable[str], id_numbers: list[str]) -> None:
    if purpose not in PURPOSES:
        raise ComparisonError(f"purpose must be one of {', '.join(PURPOSES)}")
    unknown = sorted(set(queried) - set(DEPARTMENTS))
    if unknown or not list(queried):
        raise ComparisonError(f"ask at least one of {', '.join(DEPARTMENTS)}; unknown: {', '.join(unknown)}")
    if len(set(i.strip().upper() for i in id_numbers)) != len(id_numbers):
        raise ComparisonError("each person once per request")


@dataclass(frozen=True)
class Finding:
    """One department's answer about one person of a request."""

    department: str
    token: str
    id_number: str
    status: str
    detail: str | None
    effective_on: date | None

    @property
    def flags(self) -> bool:
        return self.status in FLAGGING

    def review_id(self, request_id: str) -> str:
        return f"REV-{request_id}-{self.department}-{self.token[:12]}"


def read_answer(department: str, results: Iterable[Mapping], asked: Mapping[str, str]) -> tuple[list[Finding], int]:
    """The findings about persons the center asked about, and how many entries named no such person."""
    findings, strays = [], 0
    for r in results:
        id_number = asked.get(r["person_id"])
        if id_number is None:
            strays += 1
            continue
        effective = r.get("effective_on")
        findings.append(Finding(department, r["person_id"], id_number, r["status"], r.get("detail"),
                                date.fromisoformat(effective) if isinstance(effective, str) else effective))
    return findings, strays


def decide(decision: str, reason: str, benefit_statuses: Mapping[str, str]) -> dict[str, str]:
    """The officer's decision on a review: the new status of each of the person's benefits (scheme -> status)."""
    if decision not in DECISIONS:
        raise ComparisonError(f"decision must be one of {', '.join(DECISIONS)}")
    if not reason.strip():
        raise ComparisonError("a review decision must say why (reason)")
    target = DECISIONS[decision]
    if target is None:
        return dict(benefit_statuses)
    return {scheme: (status if status == "stopped" else target) for scheme, status in benefit_statuses.items()}


def masked(id_number: str) -> str:
    """For officers' lists: first four and last two characters, as in logs."""
    return id_number[:4] + "*" * max(len(id_number) - 6, 0) + id_number[-2:]

"""The police's household register (户籍) as far as data comparison needs it (HO-34), and their answer to the
center. Pure: no I/O.

The register here is minimal: whether a resident is living or deceased (注销户口 on death), the date, and where
the household is registered. The police report a death for any check, since it bears on every benefit; they
confirm a living resident only for an eligibility check; they name nobody the center did not ask about.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from shared.parties.other import comparison_token

STATUSES = ("living", "deceased", "moved_out")


class HouseholdError(Exception):
    """A register entry breaks a rule; the message says which."""


@dataclass(frozen=True)
class Resident:
    id_number: str
    region_code: str
    status: str  # living | deceased | moved_out
    died_on: date | None = None


def check_resident(r: Resident) -> None:
    if r.status not in STATUSES:
        raise HouseholdError(f"status must be one of {', '.join(STATUSES)}")
    if (r.status == "deceased") != (r.died_on is not None):
        raise HouseholdError(f"{r.id_number[:4]}…: a deceased resident has a date of death, a living one none")


def answer(request_id: str, purpose: str, asked: Iterable[str], residents: Iterable[Resident],
           as_of: date) -> list[dict]:
    """Results for the persons asked about (by token): deaths on or before ``as_of`` for any purpose, living
    residents only for an eligibility check."""
    wanted, results = set(asked), []
    for r in residents:
        token = comparison_token(request_id, r.id_number)
        if token not in wanted:
            continue
        if r.status == "deceased" and r.died_on is not None and r.died_on <= as_of:
            results.append({"person_id": token, "status": "deceased", "effective_on": r.died_on,
                            "detail": "household registration cancelled on death"})
        elif purpose == "eligibility" and r.status == "living":
            results.append({"person_id": token, "status": "found", "detail": f"household in {r.region_code}"})
    return sorted(results, key=lambda x: x["person_id"])

"""Tax's side of data comparison (数据比对, HO-34): match the center's tokens against tax's payer register.
Pure: no I/O.

Tax collects from persons and employers where their insurance is registered (HO-04). A person paying in two
schemes or two regions at once is a duplicate enrollment (002:33). Tax has no death register, so it answers a
death check with nothing. It answers only for persons it holds: a token absent from the answer was not found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from shared.parties.other import comparison_token

RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class Registration:
    """One HO-04 registration as tax recorded it."""

    registration_id: str
    payer_id: str
    scheme: str
    region_code: str
    change_type: str  # new | change | terminate
    status: str  # accepted | rejected
    effective_from: date


def collected_in(registrations: Iterable[Registration], as_of: date) -> dict[str, list[tuple[str, str]]]:
    """Person payer id -> the (scheme, region) pairs tax collects in on ``as_of``: per scheme and region, the
    latest accepted registration in effect, unless it ended the enrollment."""
    latest: dict[tuple[str, str, str], Registration] = {}
    for r in registrations:
        if r.status != "accepted" or r.effective_from > as_of or not RESIDENT_ID.match(r.payer_id.upper()):
            continue
        key = (r.payer_id.upper(), r.scheme, r.region_code)
        if key not in latest or (r.effective_from, r.registration_id) > (latest[key].effective_from,
                                                                         latest[key].registration_id):
            latest[key] = r
    out: dict[str, list[tuple[str, str]]] = {}
    for (payer, scheme, region), r in sorted(latest.items()):
        if r.change_type != "terminate":
            out.setdefault(payer, []).append((scheme, region))
    return out


def answer(request_id: str, purpose: str, asked: Iterable[str], register: dict[str, list[tuple[str, str]]]
           ) -> list[dict]:
    """Tax's results for the persons asked about: ``enrolled_elsewhere`` when it collects from one person in more
    than one scheme or region, ``found`` otherwise; nothing for a death check, nothing for persons it lacks."""
    if purpose == "death":
        return []
    wanted = set(asked)
    results = []
    for payer, places in register.items():
        token = comparison_token(request_id, payer)
        if token not in wanted:
            continue
        where = ", ".join(f"{scheme} in {region}" for scheme, region in places)
        status = "enrolled_elsewhere" if len(places) > 1 else "found"
        results.append({"person_id": token, "status": status, "detail": f"contributions collected: {where}"})
    return sorted(results, key=lambda r: r["person_id"])

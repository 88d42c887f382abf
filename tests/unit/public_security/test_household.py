"""HO-34 at the police: deaths from the household register, by token; living residents only for eligibility."""

from __future__ import annotations

from datetime import date

import pytest

from services.public_security import household as hh
from shared.parties.other import comparison_token

WANG, LI = "460100195203150027", "46010019600808003X"
REGISTER = [hh.Resident(WANG, "460100", "deceased", date(2026, 9, 3)), hh.Resident(LI, "460100", "living")]


def test_a_death_is_reported_for_any_check_and_a_living_resident_only_for_eligibility():
    asked = [comparison_token("DC-1", WANG), comparison_token("DC-1", LI)]
    (death,) = hh.answer("DC-1", "death", asked, REGISTER, date(2026, 9, 20))
    assert (death["person_id"], death["status"], death["effective_on"]) == (asked[0], "deceased", date(2026, 9, 3))
    eligibility = hh.answer("DC-1", "eligibility", asked, REGISTER, date(2026, 9, 20))
    assert sorted(r["status"] for r in eligibility) == ["deceased", "found"]
    assert WANG not in repr(eligibility)


def test_a_death_after_the_day_asked_about_is_not_reported():
    assert hh.answer("DC-1", "death", [comparison_token("DC-1", WANG)], REGISTER, date(2026, 9, 1)) == []


def test_nobody_outside_the_request_is_named():
    assert hh.answer("DC-2", "eligibility", [comparison_token("DC-1", LI)], REGISTER, date(2026, 9, 20)) == []


def test_a_deceased_entry_needs_its_date():
    with pytest.raises(hh.HouseholdError, match="date of death"):
        hh.check_resident(hh.Resident(WANG, "460100", "deceased"))
    with pytest.raises(hh.HouseholdError, match="status"):
        hh.check_resident(hh.Resident(WANG, "460100", "missing"))

"""HO-34 at tax: the payer register answers by token; two schemes or regions at once is a duplicate enrollment."""

from __future__ import annotations

from datetime import date

from services.tax import comparison as cmp
from shared.parties.other import comparison_token

ZHAO, LI, QIAN = "460100197011110018", "46010019600808003X", "460100198202020044"


def reg(rid, payer, region, change="new", status="accepted", on=date(2026, 1, 1), scheme="resident"):
    return cmp.Registration(rid, payer, scheme, region, change, status, on)


REGISTER = [
    reg("R1", ZHAO, "460100"), reg("R2", ZHAO, "460200"),
    reg("R3", LI, "460100"), reg("R4", LI, "460200"), reg("R5", LI, "460200", change="terminate", on=date(2026, 3, 1)),
    reg("R6", QIAN, "460100", status="rejected"),
    reg("R7", "91460100MA5T000001", "460100", scheme="employee"),  # an employer, not a person
]


def test_the_register_on_a_day_keeps_accepted_enrollments_not_ended():
    register = cmp.collected_in(REGISTER, date(2026, 6, 1))
    assert register == {ZHAO: [("resident", "460100"), ("resident", "460200")], LI: [("resident", "460100")]}
    assert cmp.collected_in(REGISTER, date(2026, 2, 1))[LI] == [("resident", "460100"), ("resident", "460200")]


def test_tax_names_only_persons_asked_about_by_their_tokens():
    register = cmp.collected_in(REGISTER, date(2026, 6, 1))
    asked = [comparison_token("DC-9", p) for p in (ZHAO, LI, QIAN)]
    results = {r["person_id"]: r for r in cmp.answer("DC-9", "duplicate_enrollment", asked, register)}
    assert set(results) == {comparison_token("DC-9", ZHAO), comparison_token("DC-9", LI)}
    zhao = results[comparison_token("DC-9", ZHAO)]
    assert zhao["status"] == "enrolled_elsewhere" and "460200" in zhao["detail"]
    assert results[comparison_token("DC-9", LI)]["status"] == "found"
    assert ZHAO not in repr(results) and LI not in repr(results)


def test_tax_has_nothing_to_say_about_deaths():
    register = cmp.collected_in(REGISTER, date(2026, 6, 1))
    assert cmp.answer("DC-9", "death", [comparison_token("DC-9", ZHAO)], register) == []

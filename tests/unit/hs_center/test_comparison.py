"""HO-34 at the center: tokens instead of id numbers, findings read back, decisions only by an officer."""

from __future__ import annotations

from datetime import date

import pytest

from services.hs_center import comparison as cmp
from shared.parties.other import comparison_token

A, B = "460100195203150027", "46010019600808003x"


def test_tokens_hide_the_id_number_and_differ_per_request():
    asked = cmp.tokens("DC-1", [A, B])
    assert set(asked.values()) == {A, B.upper()}
    assert all(len(t) == 32 and A not in t for t in asked)
    assert comparison_token("DC-1", A) in asked and comparison_token("DC-2", A) != comparison_token("DC-1", A)
    assert comparison_token("DC-1", B) == comparison_token("DC-1", B.upper())  # the check letter's case is moot


def test_a_request_needs_a_known_purpose_departments_and_each_person_once():
    cmp.check_request("death", ["civil_affairs"], [A])
    with pytest.raises(cmp.ComparisonError, match="purpose"):
        cmp.check_request("curiosity", ["tax"], [A])
    with pytest.raises(cmp.ComparisonError, match="unknown: courts"):
        cmp.check_request("death", ["courts"], [A])
    with pytest.raises(cmp.ComparisonError, match="once"):
        cmp.check_request("death", ["tax"], [A, A])


def test_an_answer_is_read_against_the_persons_asked_and_strays_are_counted():
    asked = cmp.tokens("DC-1", [A])
    findings, strays = cmp.read_answer("civil_affairs", [
        {"person_id": comparison_token("DC-1", A), "status": "deceased", "effective_on": "2026-09-03"},
        {"person_id": comparison_token("DC-1", B), "status": "deceased"}], asked)
    (f,) = findings
    assert (f.id_number, f.status, f.effective_on, f.flags, strays) == (A, "deceased", date(2026, 9, 3), True, 1)
    assert f.review_id("DC-1").startswith("REV-DC-1-civil_affairs-")


def test_found_and_not_found_flag_nothing():
    assert not cmp.Finding("tax", "t", A, "found", None, None).flags
    assert not cmp.Finding("tax", "t", A, "not_found", None, None).flags
    assert cmp.Finding("tax", "t", A, "enrolled_elsewhere", None, None).flags
    assert cmp.Finding("hr_social_security", "t", A, "receiving_benefit", None, None).flags


def test_the_officer_decides_what_happens_to_the_benefits():
    before = {"employee": "active", "resident": "stopped"}
    assert cmp.decide("keep", "records agree after checking", before) == before
    assert cmp.decide("suspend", "checking", before) == {"employee": "suspended", "resident": "stopped"}
    assert cmp.decide("stop", "death confirmed", before) == {"employee": "stopped", "resident": "stopped"}
    with pytest.raises(cmp.ComparisonError, match="why"):
        cmp.decide("stop", " ", before)
    with pytest.raises(cmp.ComparisonError, match="decision"):
        cmp.decide("pay", "x", before)


def test_officers_see_masked_id_numbers():
    assert cmp.masked(A) == "4601************27"

"""The center's rules for a detailed feed: gaps, manifest checks, the monthly deadline."""

import hashlib
from datetime import datetime

import pytest

from services.hs_center import domain
from shared.deadlines import SHANGHAI

TOTALS = {"employee": {"payer_count": 2, "insured_person_count": 9, "amount_collected_fen": 500,
                       "refunds_fen": 0, "arrears_fen": 0, "late_surcharge_fen": 0}}


def manifest(**over):
    return domain.Manifest(**{"line_count": 2, "chunk_count": 1, "lines_sha256": "a" * 64, "totals": TOTALS,
                              **over})


def test_missing_chunks_are_the_gaps_in_the_sequence():
    assert domain.missing_chunks(6, [1, 2, 4, 6]) == [3, 5]
    assert domain.missing_chunks(3, [3, 1, 2]) == []


def test_lines_that_add_up_to_the_manifest_pass():
    assert domain.manifest_problems(manifest(), 2, TOTALS, "a" * 64, []) == []


def test_every_way_the_lines_differ_from_the_manifest_is_named():
    got = {"employee": {**TOTALS["employee"], "amount_collected_fen": 499}}
    problems = domain.manifest_problems(manifest(), 3, got, "b" * 64, [2])
    assert problems == [
        "chunks [2] lie beyond the manifest's 1 chunks",
        "line count: manifest says 2, 3 lines arrived",
        "employee amount_collected_fen: manifest says 500, lines add up to 499",
        f"sha256 of the lines is {'b' * 64}, manifest says {'a' * 64}",
    ]


def test_a_chunk_that_does_not_carry_what_it_declares_is_refused():
    text = "2,person,460100195001010000,resident,2026-10,1,3200,0,0,0\n"
    ok = domain.ChunkHeader(1, 1, 2, 2, hashlib.sha256(text.encode()).hexdigest())
    domain.check_chunk(ok, text)
    with pytest.raises(domain.FeedRefused, match="sha256"):
        domain.check_chunk(ok, text.replace("3200", "3201"))
    with pytest.raises(domain.FeedRefused, match="declares 2 lines, carries 1"):
        domain.check_chunk(domain.ChunkHeader(1, 2, 2, 3, ok.sha256), text)


def test_a_feed_is_due_on_the_5th_even_when_the_5th_is_a_rest_day():
    # 2026-10-05 is inside the National Day holiday; a fixed date does not roll.
    assert domain.feed_deadline("2026-09").due_at == datetime(2026, 10, 5, 23, 59, 59, 999999, tzinfo=SHANGHAI)


def test_a_missing_feed_is_open_on_the_5th_and_overdue_from_the_6th():
    due = domain.feed_deadline("2026-10").due_at
    assert domain.obligation_status(due, datetime(2026, 11, 5, 23, 59, tzinfo=SHANGHAI), None) == "open"
    assert domain.obligation_status(due, datetime(2026, 11, 6, 0, 0, 1, tzinfo=SHANGHAI), None) == "overdue"
    late = datetime(2026, 11, 7, 9, tzinfo=SHANGHAI)
    assert domain.obligation_status(due, late, late) == "met_late"


def test_due_periods_run_to_last_month_across_the_year_end():
    assert domain.due_periods("2025-11", datetime(2026, 2, 3, tzinfo=SHANGHAI)) == ["2025-11", "2025-12", "2026-01"]


def test_a_province_feed_covers_its_cities_and_counties():
    assert domain.region_prefix("460000", "province") == "46"
    assert domain.region_prefix("460100", "city") == "4601"
    assert domain.region_prefix("460105", "county") == "460105"


def test_non_registration_is_the_bureau_s_matter_and_non_payment_tax_s():
    assert domain.DISCREPANCY_KINDS["unknown_payer"] == "healthcare_security"
    assert {domain.DISCREPANCY_KINDS[k] for k in ("missing_from_feed", "amount_mismatch", "scheme_mismatch")} == {"tax"}


def test_payer_level_differences_make_the_outcome_discrepancies_even_when_totals_match():
    expected = [domain.Expected("employee", 9, 500)]
    collected = [domain.Collected("employee", 9, 500, 0, 0)]
    assert domain.reconcile(expected, collected).status == "matched"
    assert domain.reconcile(expected, collected, payer_discrepancies=2).status == "discrepancies"


def test_a_registry_line_is_checked_column_by_column():
    assert domain.registry_entry(["person", "460100195001010000", "resident", "460100", "1", "3200"])[
        "monthly_due_fen"] == 3200
    with pytest.raises(domain.RegistryLineError, match="region_code '4601' must be a 6-digit"):
        domain.registry_entry(["person", "460100195001010000", "resident", "4601", "1", "3200"])

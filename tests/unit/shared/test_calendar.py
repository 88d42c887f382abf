"""Rules of the working-day calendar (工作日, 法定节假日, 调休)."""

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.calendar import (
    ENV_CALENDAR_FILE,
    CalendarNotCovered,
    WorkingCalendar,
    builtin_calendar,
    china_calendar,
    load_calendar,
    parse_calendar_table,
)

CAL = builtin_calendar()

# A made-up 2027 table: only the shape matters here, not the real 2027 notice.
EXTRA_2027 = """\
source: test table, not the State Council's 2027 notice
holidays:
  '2027':
  - ['2027-01-01', '2027-01-03']
makeup_workdays:
  '2027': []
"""


def every_day(year):
    d = date(year, 1, 1)
    while d.year == year:
        yield d
        d += timedelta(days=1)


@pytest.mark.parametrize("year", [2025, 2026])
def test_builtin_table_agrees_with_chinese_calendar_on_every_day(year):
    disagree = [d for d in every_day(year) if CAL.is_working_day(d) != chinese_calendar.is_workday(d)]
    assert disagree == []


def test_builtin_table_covers_exactly_2025_and_2026():
    assert CAL.years == frozenset({2025, 2026})


def test_a_year_not_covered_fails_loudly_and_says_how_to_add_it():
    with pytest.raises(CalendarNotCovered) as info:
        CAL.is_working_day(date(2027, 1, 4))
    message = str(info.value)
    assert "2027" in message
    assert "FUNDLINK_CALENDAR_FILE" in message
    assert "2025, 2026" in message
    assert info.value.year == 2027
    assert isinstance(info.value, LookupError)


def test_counting_that_runs_into_an_uncovered_year_fails_instead_of_guessing_mon_to_fri():
    with pytest.raises(CalendarNotCovered):
        CAL.add_working_days(date(2026, 12, 28), 10)
    with pytest.raises(CalendarNotCovered):
        CAL.working_days_between(date(2026, 12, 1), date(2027, 1, 10))
    with pytest.raises(CalendarNotCovered):
        CAL.next_working_day_on_or_after(date(2024, 12, 31))


def test_an_extra_yaml_file_adds_a_later_year(tmp_path):
    extra = tmp_path / "holidays-2027.yaml"
    extra.write_text(EXTRA_2027, encoding="utf-8")
    cal = load_calendar(extra)
    assert cal.years == frozenset({2025, 2026, 2027})
    assert cal.is_working_day(date(2027, 1, 4))  # a Monday after the test's New Year break
    assert cal.is_rest_day(date(2027, 1, 1))
    assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert cal.is_working_day(date(2026, 10, 10))  # built-in years are kept


def test_the_extra_file_is_taken_from_the_environment_variable(tmp_path, monkeypatch):
    extra = tmp_path / "holidays-2027.yaml"
    extra.write_text(EXTRA_2027, encoding="utf-8")
    monkeypatch.setenv(ENV_CALENDAR_FILE, str(extra))
    assert 2027 in load_calendar().years
    china_calendar.cache_clear()
    try:
        assert 2027 in china_calendar().years
    finally:
        china_calendar.cache_clear()


def test_without_the_environment_variable_only_the_builtin_years_are_covered(monkeypatch):
    monkeypatch.delenv(ENV_CALENDAR_FILE, raising=False)
    assert load_calendar().years == frozenset({2025, 2026})


def test_a_named_extra_file_that_does_not_exist_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_calendar(tmp_path / "missing.yaml")


def test_an_extra_file_may_wrap_the_table_in_a_calendar_key_like_boundary_tables(tmp_path):
    extra = tmp_path / "boundary.yaml"
    extra.write_text("calendar:\n" + "".join("  " + line + "\n" for line in EXTRA_2027.splitlines()))
    assert 2027 in load_calendar(extra).years


def test_a_year_in_the_extra_file_replaces_that_whole_year_of_the_builtin_table(tmp_path):
    extra = tmp_path / "fix-2026.yaml"
    extra.write_text("holidays:\n  '2026':\n  - ['2026-01-01', '2026-01-01']\n")
    cal = load_calendar(extra)
    assert cal.is_working_day(date(2026, 10, 8))
    assert cal.is_working_day(date(2026, 10, 1))  # dropped from the replacement 2026 table
    assert not cal.is_working_day(date(2026, 10, 10))  # make-up Saturday dropped too
    assert cal.is_rest_day(date(2025, 10, 1))  # 2025 untouched


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("holidays:\n  '2026': []\nmakeup_workdays:\n  '2026': ['2026-10-12']\n", "Saturdays or Sundays"),
        ("holidays:\n  '2026': [['2026-10-07', '2026-10-01']]\n", "after last"),
        ("holidays:\n  '2026': [['2025-12-31', '2026-01-01']]\n", "not inside 2026"),
        (
            "holidays:\n  '2026': [['2026-10-10', '2026-10-10']]\n"
            "makeup_workdays:\n  '2026': ['2026-10-10']\n",
            "both",
        ),
        ("makeup_workdays: {}\n", "holidays"),
    ],
)
def test_a_malformed_table_is_rejected_with_a_reason(text, complaint):
    with pytest.raises(ValueError, match=complaint):
        parse_calendar_table(yaml.safe_load(text), "test.yaml")


def test_make_up_saturday_2026_10_10_is_a_working_day():
    assert date(2026, 10, 10).weekday() == 5
    assert chinese_calendar.is_workday(date(2026, 10, 10))
    assert CAL.is_working_day(date(2026, 10, 10))
    assert not CAL.is_rest_day(date(2026, 10, 10))


def test_national_day_2026_runs_oct_1_to_7_so_thursday_oct_8_is_a_working_day():
    for d in (date(2026, 10, 1) + timedelta(days=i) for i in range(7)):
        assert CAL.is_rest_day(d), d
    assert date(2026, 10, 8).weekday() == 3
    assert chinese_calendar.is_workday(date(2026, 10, 8))
    assert CAL.is_working_day(date(2026, 10, 8))


def test_a_statutory_holiday_on_a_weekday_is_a_rest_day():
    assert date(2026, 10, 1).weekday() == 3
    assert CAL.is_rest_day(date(2026, 10, 1))


def test_an_ordinary_weekend_is_a_rest_day_and_an_ordinary_weekday_works():
    assert CAL.is_rest_day(date(2026, 11, 21))  # Saturday
    assert CAL.is_working_day(date(2026, 11, 23))  # Monday


def test_working_days_start_day_is_not_counted():
    assert CAL.add_working_days(date(2026, 11, 23), 1) == date(2026, 11, 24)
    assert CAL.working_days_between(date(2026, 11, 23), date(2026, 11, 23)) == 0
    assert CAL.working_days_between(date(2026, 11, 24), date(2026, 11, 23)) == 0


def test_add_working_days_needs_at_least_one_day():
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 11, 23), 0)


def test_spring_festival_2026_counts_make_up_saturdays_feb_14_and_feb_28_and_skips_feb_15_to_23():
    friday = date(2026, 2, 13)
    expected = [
        date(2026, 2, 14),  # make-up Saturday (调休)
        date(2026, 2, 24),  # first day back after the Feb 15–23 break
        date(2026, 2, 25),
        date(2026, 2, 26),
        date(2026, 2, 27),
        date(2026, 2, 28),  # make-up Saturday (调休)
        date(2026, 3, 2),
    ]
    assert chinese_calendar.get_workdays(date(2026, 2, 14), date(2026, 3, 2)) == expected
    assert [CAL.add_working_days(friday, n) for n in range(1, 8)] == expected
    assert CAL.working_days_between(friday, date(2026, 2, 28)) == 6
    assert CAL.next_working_day_on_or_after(date(2026, 2, 15)) == date(2026, 2, 24)
    assert CAL.next_working_day_on_or_after(date(2026, 2, 14)) == date(2026, 2, 14)


def test_next_working_day_after_national_day_2026_is_oct_8():
    assert CAL.next_working_day_on_or_after(date(2026, 10, 3)) == date(2026, 10, 8)


def test_datetimes_are_refused_so_the_caller_picks_the_shanghai_date():
    with pytest.raises(TypeError):
        CAL.is_working_day(datetime(2026, 10, 8, 12))


def test_the_constructor_rejects_dates_outside_its_years():
    with pytest.raises(ValueError):
        WorkingCalendar([date(2027, 1, 1)], [], [2026])


def test_china_calendar_is_loaded_once(monkeypatch):
    monkeypatch.delenv(ENV_CALENDAR_FILE, raising=False)
    china_calendar.cache_clear()
    try:
        assert china_calendar() is china_calendar()
        assert china_calendar().years == frozenset({2025, 2026})
    finally:
        china_calendar.cache_clear()


@settings(database=None, deadline=None)
@given(
    d=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 9, 30)),
    n=st.integers(min_value=1, max_value=30),
)
def test_the_nth_working_day_after_d_is_a_working_day_after_d_with_n_working_days_between(d, n):
    result = CAL.add_working_days(d, n)
    assert result > d
    assert CAL.is_working_day(result)
    assert CAL.working_days_between(d, result) == n

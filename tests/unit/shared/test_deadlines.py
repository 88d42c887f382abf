"""Rules for statutory time limits (domain.md §9)."""

import json
from datetime import UTC, date, datetime, timedelta, timezone

import chinese_calendar
import pytest

from shared.calendar import CalendarNotCovered, builtin_calendar
from shared.deadlines import (
    SHANGHAI,
    Deadline,
    DeadlineKind,
    calendar_days,
    day_of_month,
    end_of_month,
    hours,
    next_month,
    working_days,
)

CAL = builtin_calendar()

# 2026-09-30 is the Wednesday before the Oct 1–7 National Day break.
EVE_OF_NATIONAL_DAY = datetime(2026, 9, 30, 15, 30, tzinfo=SHANGHAI)


def shanghai(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def test_2026_09_30_is_a_working_wednesday():
    assert date(2026, 9, 30).weekday() == 2
    assert chinese_calendar.is_workday(date(2026, 9, 30))
    assert CAL.is_working_day(date(2026, 9, 30))


def test_3_calendar_days_from_2026_09_30_end_on_holiday_oct_3_and_roll_to_thursday_oct_8():
    deadline = calendar_days(EVE_OF_NATIONAL_DAY, 3, CAL)
    assert deadline.kind is DeadlineKind.CALENDAR
    assert deadline.due_at == shanghai(2026, 10, 8, 23, 59, 59, 999999)
    assert deadline.rule == (
        "3 calendar days from 2026-09-30, start day excluded; last day 2026-10-03 is a rest day, "
        "rolled to 2026-10-08 (Civil Code arts. 201, 203)"
    )


def test_3_working_days_from_2026_09_30_end_on_make_up_saturday_oct_10():
    # Oct 8 (Thu), Oct 9 (Fri), Oct 10 (make-up Saturday, 调休).
    assert chinese_calendar.get_workdays(date(2026, 10, 1), date(2026, 10, 10)) == [
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 10, 10),
    ]
    deadline = working_days(EVE_OF_NATIONAL_DAY, 3, CAL)
    assert deadline.kind is DeadlineKind.WORKING
    assert deadline.due_at == shanghai(2026, 10, 10, 23, 59, 59, 999999)
    assert deadline.due_date == date(2026, 10, 10)


def test_a_calendar_limit_ending_on_a_working_day_does_not_move():
    # 2026-11-23 (Mon) + 3 = 2026-11-26 (Thu).
    deadline = calendar_days(shanghai(2026, 11, 23, 9), 3, CAL)
    assert deadline.due_date == date(2026, 11, 26)
    assert "rolled" not in deadline.rule


def test_a_calendar_limit_ending_on_an_ordinary_sunday_rolls_to_monday():
    # 2026-11-19 (Thu) + 10 = 2026-11-29 (Sun) -> 2026-11-30 (Mon).
    assert calendar_days(shanghai(2026, 11, 19, 9), 10, CAL).due_date == date(2026, 11, 30)


def test_a_calendar_limit_ending_on_a_make_up_saturday_does_not_roll():
    # 2026-10-07 + 3 = 2026-10-10, a make-up working Saturday.
    assert calendar_days(shanghai(2026, 10, 7, 9), 3, CAL).due_date == date(2026, 10, 10)


def test_the_duration_of_sealing_never_rolls_even_onto_a_holiday():
    deadline = calendar_days(EVE_OF_NATIONAL_DAY, 3, CAL, rolls_on_holiday=False)
    assert deadline.due_at == shanghai(2026, 10, 3, 23, 59, 59, 999999)
    assert "not rolled" in deadline.rule


def test_30_day_sealing_from_2026_09_05_lasts_until_2026_10_05_holiday_included():
    deadline = calendar_days(shanghai(2026, 9, 5, 10), 30, CAL, rolls_on_holiday=False)
    assert deadline.due_date == date(2026, 10, 5)


def test_an_aware_utc_start_is_converted_to_shanghai_before_taking_the_date():
    # 2026-09-30T20:00Z is already 2026-10-01 04:00 in Shanghai.
    start = datetime(2026, 9, 30, 20, 0, tzinfo=UTC)
    deadline = working_days(start, 1, CAL)
    assert deadline.starts_at == shanghai(2026, 10, 1, 4, 0)
    assert deadline.due_date == date(2026, 10, 8)
    assert calendar_days(start, 1, CAL).due_date == date(2026, 10, 8)  # Oct 2 is a holiday


def test_a_limit_that_reaches_an_uncovered_year_fails_loudly():
    with pytest.raises(CalendarNotCovered):
        working_days(shanghai(2026, 12, 28, 9), 10, CAL)
    with pytest.raises(CalendarNotCovered):
        calendar_days(shanghai(2026, 12, 28, 9), 10, CAL)


def test_day_5_of_november_2026_is_due_at_the_last_microsecond_of_the_5th():
    deadline = day_of_month(2026, 11, 5)
    assert deadline.kind is DeadlineKind.FIXED_DATE
    assert deadline.due_at.isoformat() == "2026-11-05T23:59:59.999999+08:00"
    assert not deadline.is_overdue(shanghai(2026, 11, 5, 23, 0))
    assert deadline.is_overdue(shanghai(2026, 11, 6, 0, 0))


def test_a_fixed_date_does_not_roll_even_on_sunday_2026_04_05_which_is_also_a_holiday():
    assert date(2026, 4, 5).weekday() == 6
    assert chinese_calendar.is_holiday(date(2026, 4, 5))
    assert day_of_month(2026, 4, 5).due_at == shanghai(2026, 4, 5, 23, 59, 59, 999999)


def test_fixed_dates_start_at_the_start_of_their_month_unless_told_otherwise():
    assert day_of_month(2026, 11, 5).starts_at == shanghai(2026, 11, 1)
    start = datetime(2026, 10, 21, 1, 0, tzinfo=UTC)
    assert day_of_month(2026, 11, 5, starts_at=start).starts_at == shanghai(2026, 10, 21, 9, 0)


def test_end_of_month_is_the_last_day_of_that_month_without_rolling():
    assert end_of_month(2026, 2).due_date == date(2026, 2, 28)
    assert end_of_month(2028, 2).due_date == date(2028, 2, 29)  # leap year; no calendar needed
    assert end_of_month(2026, 5).due_date == date(2026, 5, 31)  # a Sunday, still not rolled


def test_next_month_wraps_at_december():
    assert next_month(2026, 11) == (2026, 12)
    assert next_month(2026, 12) == (2027, 1)
    with pytest.raises(ValueError):
        next_month(2026, 13)


def test_24_hours_from_an_aware_timestamp_is_exactly_24_clock_hours_later():
    start = datetime(2026, 9, 30, 7, 30, tzinfo=UTC)  # 15:30 in Shanghai
    deadline = hours(start, 24)
    assert deadline.kind is DeadlineKind.HOURS
    assert deadline.due_at == shanghai(2026, 10, 1, 15, 30)  # a holiday, and it does not matter
    assert deadline.due_at - deadline.starts_at == timedelta(hours=24)
    assert deadline.due_at.tzinfo is SHANGHAI


def test_hours_work_without_a_calendar_even_in_an_uncovered_year():
    assert hours(shanghai(2027, 1, 1, 8), 24).due_at == shanghai(2027, 1, 2, 8)


@pytest.mark.parametrize(
    "call",
    [
        lambda naive: hours(naive, 24),
        lambda naive: calendar_days(naive, 3, CAL),
        lambda naive: working_days(naive, 3, CAL),
        lambda naive: day_of_month(2026, 11, 5, starts_at=naive),
        lambda naive: end_of_month(2026, 11, starts_at=naive),
        lambda naive: day_of_month(2026, 11, 5).is_overdue(naive),
        lambda naive: day_of_month(2026, 11, 5).remaining(naive),
    ],
)
def test_naive_datetimes_are_rejected(call):
    with pytest.raises(ValueError, match="naive"):
        call(datetime(2026, 9, 30, 15, 30))


@pytest.mark.parametrize("days", [0, -1])
def test_counts_must_be_positive(days):
    with pytest.raises(ValueError):
        calendar_days(EVE_OF_NATIONAL_DAY, days, CAL)
    with pytest.raises(ValueError):
        working_days(EVE_OF_NATIONAL_DAY, days, CAL)
    with pytest.raises(ValueError):
        hours(EVE_OF_NATIONAL_DAY, days)


def test_remaining_is_negative_once_overdue():
    deadline = hours(shanghai(2026, 11, 23, 9), 24)
    assert deadline.remaining(shanghai(2026, 11, 23, 21)) == timedelta(hours=12)
    assert deadline.remaining(shanghai(2026, 11, 24, 10)) == timedelta(hours=-1)
    assert not deadline.is_overdue(shanghai(2026, 11, 24, 9))  # due_at itself is still on time


def test_now_in_another_zone_is_compared_as_the_same_instant():
    deadline = day_of_month(2026, 11, 5)
    assert not deadline.is_overdue(datetime(2026, 11, 5, 15, 59, tzinfo=UTC))
    assert deadline.is_overdue(datetime(2026, 11, 5, 16, 0, tzinfo=UTC))


def test_as_dict_is_json_friendly_with_offsets_and_round_trips():
    deadline = calendar_days(EVE_OF_NATIONAL_DAY, 3, CAL)
    data = json.loads(json.dumps(deadline.as_dict()))
    assert data == {
        "kind": "calendar",
        "starts_at": "2026-09-30T15:30:00+08:00",
        "due_at": "2026-10-08T23:59:59.999999+08:00",
        "rule": deadline.rule,
    }
    assert Deadline.from_dict(data) == deadline


def test_a_deadline_built_by_hand_is_normalised_to_shanghai():
    deadline = Deadline(
        "hours",
        datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2026, 1, 2, tzinfo=UTC),
        "by hand",
    )
    assert deadline.kind is DeadlineKind.HOURS
    assert deadline.starts_at == shanghai(2026, 1, 1, 13)
    assert deadline.due_at.utcoffset() == timedelta(hours=8)

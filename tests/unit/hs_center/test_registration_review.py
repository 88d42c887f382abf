"""HO-04: the agency reviews an enrollment application within 15 days (003:100-102)."""

from datetime import date

from services.hs_center import domain
from shared.calendar import china_calendar


def test_an_application_is_reviewed_within_15_days_rolling_off_a_rest_day():
    # 15 days from Tue 20 Oct 2026 end on Wed 4 Nov, a working day.
    assert domain.registration_review_deadline(date(2026, 10, 20), china_calendar()).due_at.isoformat() \
        == "2026-11-04T23:59:59.999999+08:00"
    # 15 days from Wed 16 Sep end on Thu 1 Oct, National Day: the last day rolls to Thu 8 Oct.
    assert domain.registration_review_deadline(date(2026, 9, 16), china_calendar()).due_at.date() == date(2026, 10, 8)

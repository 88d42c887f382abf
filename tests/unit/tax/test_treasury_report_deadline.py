"""HO-05: the treasury's monthly report is due by the 5th of the following month (004:31, 60)."""

from services.tax import domain


def test_the_monthly_report_is_due_on_the_5th_of_the_next_month_even_across_a_year():
    assert domain.treasury_report_deadline("2026-10").due_at.isoformat() == "2026-11-05T23:59:59.999999+08:00"
    assert domain.treasury_report_deadline("2025-12").due_at.isoformat() == "2026-01-05T23:59:59.999999+08:00"

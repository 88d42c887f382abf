"""The center's rules for HO-20 quarterly fund operation reports and the HO-13 revision guard."""

from datetime import datetime

import pytest

from services.hs_center import budget as hsc
from shared.deadlines import SHANGHAI


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def line(scheme="employee", revenue=1000, expenditure=900, balance=100, insured=10):
    return hsc.OperationLine(scheme, revenue, expenditure, balance, insured)


def test_city_reports_are_due_on_the_15th_after_the_quarter_and_the_province_by_month_end():
    assert hsc.operation_report_deadline("2027-Q1").due_at == at(2027, 4, 15, 23, 59, 59, 999999)
    assert hsc.operation_report_deadline("2027-Q4").due_at == at(2028, 1, 15, 23, 59, 59, 999999)
    assert hsc.provincial_operation_report_deadline("2027-Q2").due_at == at(2027, 7, 31, 23, 59, 59, 999999)


def test_a_quarter_is_reported_after_it_ends_once_per_scheme():
    with pytest.raises(hsc.InvalidPeriod, match="has not ended"):
        hsc.report_operation("R1", "2027-Q1", "460100", [line()], at(2027, 3, 31, 18))
    with pytest.raises(hsc.InvalidBudgetLines):
        hsc.report_operation("R1", "2027-Q1", "460100", [line(), line()], at(2027, 4, 2))
    with pytest.raises(hsc.InvalidAmount):
        line(revenue=-1)
    report = hsc.report_operation("R1", "2027-Q1", "460100", [line(balance=-5)], at(2027, 4, 16))
    assert report.late


def test_the_province_sums_the_cities_and_waits_for_them_until_their_deadline():
    reports = [hsc.report_operation("R1", "2027-Q1", "460100", [line(), line("resident", 5, 4, 1, 2)], at(2027, 4, 2)),
               hsc.report_operation("R2", "2027-Q1", "460200", [line(revenue=1, expenditure=2, balance=-1)],
                                    at(2027, 4, 3))]
    expected = ["460100", "460200", "460400"]
    with pytest.raises(hsc.ConsolidationTooEarly, match="460400 may still report"):
        hsc.consolidate_operation_reports("P1", "2027-Q1", expected, reports, at(2027, 4, 15, 12))
    lines, missing = hsc.consolidate_operation_reports("P1", "2027-Q1", expected, reports, at(2027, 4, 16))
    assert missing == ("460400",)
    assert lines == (hsc.OperationLine("employee", 1001, 902, 99, 20), hsc.OperationLine("resident", 5, 4, 1, 2))


def test_a_missing_city_report_is_overdue_from_the_16th():
    owed = hsc.operation_report_obligations("2027-Q1", ["460100", "460400"], ["460100"], consolidated=False)
    assert hsc.overdue(owed, at(2027, 4, 15, 23, 59)) == ()
    assert [o.party for o in hsc.overdue(owed, at(2027, 4, 16, 0, 0))] == ["hs_center:460400"]
    assert [o.party for o in hsc.overdue(owed, at(2027, 5, 1))] == ["hs_center:460400", "hs_center:province"]


def test_an_adjustment_is_proposed_again_only_after_a_return():
    hsc.check_adjustment_revisable("ADJ-1", "returned")
    for status in ("sent", "local_reviewed", "approved"):
        with pytest.raises(hsc.NotReturned):
            hsc.check_adjustment_revisable("ADJ-1", status)

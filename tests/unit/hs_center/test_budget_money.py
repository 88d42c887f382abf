"""The center's money rules the service relies on: tax's co-signature of what it signed, region configuration,
the expenditure accounts, deficits in balances, and long-term-care transfers (HO-08, HO-19, HO-41)."""

from datetime import datetime

import pytest

from services.hs_center import budget as hsc
from services.hs_center.budget import BudgetLine
from shared.deadlines import SHANGHAI


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


NOON = at(2025, 10, 16, 12)
LINES = [BudgetLine("employee", 900_00, 850_00, 50_00, 10), BudgetLine("resident", 400_00, 410_00, -10_00, 30)]


def draft():
    return hsc.compile_budget("B", 2026, "460000", LINES, tax_cosign_required=True)


def test_tax_cosigns_only_the_revenue_it_signed():
    signed = hsc.record_tax_confirmation(draft(), "tax", NOON, {"employee": 900_00, "resident": 400_00})
    assert signed.tax_cosigned
    other = hsc.record_tax_confirmation(draft(), "tax", NOON, {"employee": 900_00, "resident": 399_99})
    assert not other.tax_cosigned
    with pytest.raises(hsc.TaxCosignatureMissing):
        hsc.submit_budget_draft(other, "hs_center", NOON)
    with pytest.raises(hsc.WrongActor):
        hsc.record_tax_confirmation(draft(), "finance", NOON, {"employee": 900_00})


def test_changing_spending_keeps_the_cosignature_changing_revenue_voids_it():
    signed = hsc.record_tax_confirmation(draft(), "tax", NOON, {"employee": 900_00, "resident": 400_00})
    more_spending = [LINES[0], BudgetLine("resident", 400_00, 420_00, -20_00, 30)]
    assert hsc.revise_lines(signed, more_spending).tax_cosigned
    less_revenue = [LINES[0], BudgetLine("resident", 390_00, 410_00, -20_00, 30)]
    assert not hsc.revise_lines(signed, less_revenue).tax_cosigned


def test_a_planned_deficit_is_a_negative_balance_but_spending_is_never_negative():
    assert draft().line("resident").balance_fen == -10_00
    with pytest.raises(hsc.InvalidAmount):
        hsc.compile_budget("B", 2026, "460000", [BudgetLine("employee", 1, -1)], tax_cosign_required=False)
    with pytest.raises(hsc.InvalidAmount):
        hsc.compile_budget("B", 2026, "460000", [BudgetLine("employee", 1, 1, 0, -3)], tax_cosign_required=False)
    accounts = hsc.submit_final_accounts("F", 2025, "131102", [BudgetLine("employee", 8, 10, -2)], "hs_center", NOON)
    assert accounts.rolling_balance_fen == -2


def test_hainan_needs_tax_on_revenue_hengshui_does_not_and_the_longest_prefix_wins():
    assert hsc.tax_cosign_required_for("460100") is True
    assert hsc.tax_cosign_required_for("131102") is False
    assert hsc.tax_cosign_required_for("320829") is False
    assert hsc.tax_cosign_required_for("131102", {"13": True, "1311": False}) is False


def test_the_expenditure_accounts_hold_what_was_received_less_what_was_paid():
    accounts = hsc.center_accounts([("employee", 1_000), ("employee", 500)], [("460100", "employee", 600)])
    assert accounts.balances == {"provincial_expenditure:employee": 900, "expenditure:460100:employee": 600}
    with pytest.raises(hsc.InsufficientFunds):
        accounts.moved("provincial_expenditure:employee", "expenditure:460100:employee", 901)
    with pytest.raises(hsc.UnknownAccount):
        accounts.balance("expenditure:460200:employee")
    with pytest.raises(hsc.InsufficientFunds):
        hsc.center_accounts([("employee", 10)], [("460100", "employee", 11)])


def test_a_disbursement_never_exceeds_the_allocation_even_within_the_approved_split():
    book = hsc.open_disbursement_book("P", "2026-Q1", [hsc.ApprovedLine("460100", "2026-01", "employee", 1_000)])
    book, _ = hsc.receive_allocation(book, "A-1", "2026-01", "employee", 700, at(2025, 12, 30))
    accounts = hsc.center_accounts([("employee", 700)], []).opened("expenditure:460100:employee")
    with pytest.raises(hsc.DisbursementExceedsAllocation, match="wait for finance's allocation"):
        hsc.disburse(book, accounts, "D-1", "460100", "2026-01", "employee", 701, at(2026, 1, 3))
    book, accounts, paid = hsc.disburse(book, accounts, "D-1", "460100", "2026-01", "employee", 700, at(2026, 1, 5, 23))
    assert paid.late is False and accounts.balance("expenditure:460100:employee") == 700
    assert hsc.disbursement_deadline("2026-01").due_at == at(2026, 1, 5, 23, 59, 59, 999999)


def test_the_center_transfers_ltc_parts_by_the_end_of_january_and_sends_a_waived_part_as_zero():
    pool = hsc.transfer_ltc_part(2026, "pool_fund", 1000, at(2026, 1, 31, 23))
    assert (pool.amount_fen, pool.per_person_fen, pool.waived, pool.late) == (60_000_00, 6_000, False, False)
    personal = hsc.transfer_ltc_part(2023, "personal", 1000, at(2023, 1, 10))
    assert personal.waived and personal.amount_fen == 0
    assert hsc.transfer_ltc_part(2026, "personal", 5, at(2026, 2, 1)).late
    assert hsc.ltc_transfer_deadline(2026).due_at == at(2026, 1, 31, 23, 59, 59, 999999)
    with pytest.raises(hsc.DomainError, match="unknown LTC part"):
        hsc.transfer_ltc_part(2026, "finance_subsidy", 5, NOON)

"""Rules of the handling center's side of the fund's money cycle (HO-08, HO-12…HO-16, HO-19)."""

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.finance import domain as fin
from services.hs_center import budget as hsc
from services.hs_center.budget import ApprovedLine, BudgetLine, PlanLine
from shared.deadlines import SHANGHAI, Deadline, DeadlineKind


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


END_OF_DAY = (23, 59, 59, 999999)
NOON = at(2026, 9, 1, 12)
LINES = (BudgetLine("employee", 900_00, 850_00), BudgetLine("resident", 400_00, 390_00))


def hainan_draft():
    return hsc.compile_budget("B-2027", 2027, "460100", LINES, tax_cosign_required=True)


def approved_budget():
    compiled = hsc.record_tax_confirmation(hainan_draft(), "tax", NOON)
    compiled, _ = hsc.submit_budget_draft(compiled, "hs_center", NOON)
    return hsc.record_budget_approved(compiled, NOON)


# --- budget draft with tax co-signature (HO-08) ------------------------------------------------------


def test_a_hainan_draft_is_submitted_only_after_tax_confirms_the_revenue():
    with pytest.raises(hsc.TaxCosignatureMissing, match="ask tax to confirm the revenue"):
        hsc.submit_budget_draft(hainan_draft(), "hs_center", NOON)
    compiled = hsc.record_tax_confirmation(hainan_draft(), "tax", NOON)
    compiled, sent = hsc.submit_budget_draft(compiled, "hs_center", NOON)
    assert sent.event_name == "hs_center.budget_draft.submitted"
    assert sent.tax_cosigned and compiled.status == "submitted"
    assert [line.scheme for line in sent.lines] == ["employee", "resident"]


def test_changing_revenue_after_tax_confirmed_voids_the_co_signature():
    compiled = hsc.record_tax_confirmation(hainan_draft(), "tax", NOON)
    compiled = hsc.revise_lines(compiled, [BudgetLine("employee", 950_00, 850_00), LINES[1]])
    assert not compiled.tax_cosigned
    with pytest.raises(hsc.TaxCosignatureMissing):
        hsc.submit_budget_draft(compiled, "hs_center", NOON)


def test_changing_only_expenditure_keeps_the_tax_co_signature():
    compiled = hsc.record_tax_confirmation(hainan_draft(), "tax", NOON)
    compiled = hsc.revise_lines(compiled, [BudgetLine("employee", 900_00, 870_00), LINES[1]])
    assert compiled.tax_cosigned


def test_a_hengshui_draft_needs_no_tax_step():
    compiled = hsc.compile_budget("B-HS", 2027, "131100", LINES, tax_cosign_required=False)
    _, sent = hsc.submit_budget_draft(compiled, "hs_center", NOON)
    assert not sent.tax_cosigned


def test_only_tax_confirms_revenue_and_only_the_center_submits():
    with pytest.raises(hsc.WrongActor, match="done by tax"):
        hsc.record_tax_confirmation(hainan_draft(), "finance", NOON)
    compiled = hsc.record_tax_confirmation(hainan_draft(), "tax", NOON)
    with pytest.raises(hsc.WrongActor, match="done by hs_center"):
        hsc.submit_budget_draft(compiled, "tax", NOON)


def test_budget_lines_are_one_per_scheme_and_never_negative():
    with pytest.raises(hsc.InvalidBudgetLines, match="at least one"):
        hsc.compile_budget("B", 2027, "460100", [], tax_cosign_required=True)
    with pytest.raises(hsc.InvalidBudgetLines, match="one line per scheme"):
        hsc.compile_budget("B", 2027, "460100", [LINES[0], LINES[0]], tax_cosign_required=True)
    with pytest.raises(hsc.InvalidAmount, match="must not be negative"):
        hsc.compile_budget("B", 2027, "460100", [BudgetLine("employee", 1, -1)], tax_cosign_required=True)
    with pytest.raises(hsc.DomainError, match="unknown scheme"):
        BudgetLine("pension", 1, 1)


def test_a_submitted_draft_is_changed_only_after_it_is_returned_with_reasons():
    compiled = hsc.record_tax_confirmation(hainan_draft(), "tax", NOON)
    compiled, _ = hsc.submit_budget_draft(compiled, "hs_center", NOON)
    with pytest.raises(hsc.NotDrafting, match="only after a reviewer returns it"):
        hsc.revise_lines(compiled, LINES)
    with pytest.raises(hsc.NotDrafting):
        hsc.submit_budget_draft(compiled, "hs_center", NOON)
    with pytest.raises(hsc.ReasonsRequired):
        hsc.take_back_for_revision(compiled, "finance", ["  "], NOON)
    compiled = hsc.take_back_for_revision(compiled, "finance", "employee spending understated", NOON)
    assert compiled.status == "drafting" and compiled.revision == 1
    assert compiled.returned == ("employee spending understated",)
    with pytest.raises(hsc.NotDrafting, match="only a submitted draft is returned"):
        hsc.take_back_for_revision(compiled, "finance", "again", NOON)
    with pytest.raises(hsc.NotDrafting, match="only a submitted draft is approved"):
        hsc.record_budget_approved(compiled, NOON)


# --- execution reports (HO-12), adjustment (HO-13), final accounts (HO-14) ---------------------------


def test_execution_is_reported_per_quarter_against_the_approved_budget():
    report = hsc.report_execution(
        approved_budget(), "2027-Q2", "resident", 180_00, 170_00, "hs_center", at(2027, 7, 20)
    )
    assert report.event_name == "hs_center.budget_execution.reported"
    assert (report.budget_revenue_fen, report.budget_expenditure_fen) == (400_00, 390_00)
    assert not report.late


def test_an_execution_report_needs_an_approved_budget_of_the_same_year():
    with pytest.raises(hsc.BudgetNotApproved, match="needs an approved budget"):
        hsc.report_execution(hainan_draft(), "2027-Q1", "employee", 1, 1, "hs_center", NOON)
    with pytest.raises(hsc.InvalidPeriod, match="outside budget year 2027"):
        hsc.report_execution(approved_budget(), "2028-Q1", "employee", 1, 1, "hs_center", NOON)
    with pytest.raises(hsc.WrongActor):
        hsc.report_execution(approved_budget(), "2027-Q1", "employee", 1, 1, "tax", NOON)


def test_execution_reports_are_due_by_the_end_of_the_month_after_the_quarter():
    assert hsc.execution_report_deadline("2027-Q1").due_at == at(2027, 4, 30, *END_OF_DAY)
    assert hsc.execution_report_deadline("2027-Q4").due_at == at(2028, 1, 31, *END_OF_DAY)
    late = hsc.report_execution(
        approved_budget(), "2027-Q1", "employee", 1, 1, "hs_center", at(2027, 5, 1, 0, 0)
    )
    assert late.late
    owed = hsc.execution_report_obligations(approved_budget(), reported=["2027-Q1"])
    assert [o.what for o in hsc.overdue(owed, at(2027, 8, 1))] == ["budget execution report 2027-Q2"]


def test_an_adjustment_proposal_needs_an_approved_budget_a_reason_and_a_change():
    more = [BudgetLine("employee", 0, 50_00)]
    with pytest.raises(hsc.BudgetNotApproved):
        hsc.propose_adjustment(hainan_draft(), "ADJ-1", "epidemic", more, NOON)
    with pytest.raises(hsc.ReasonsRequired, match="special circumstance"):
        hsc.propose_adjustment(approved_budget(), "ADJ-1", " ", more, NOON)
    with pytest.raises(hsc.InvalidBudgetLines, match="changes nothing"):
        hsc.propose_adjustment(approved_budget(), "ADJ-1", "epidemic", [BudgetLine("employee", 0, 0)], NOON)
    proposed = hsc.propose_adjustment(approved_budget(), "ADJ-1", "epidemic", more, NOON)
    assert proposed.event_name == "hs_center.budget_adjustment.proposed"
    assert (proposed.delta_revenue_fen, proposed.delta_expenditure_fen) == (0, 50_00)
    assert not proposed.tax_cosigned


def test_an_adjustment_that_lowers_revenue_is_proposed_together_with_tax():
    cut = [BudgetLine("resident", -30_00, 0)]
    with pytest.raises(hsc.TaxCosignatureMissing, match="together with tax"):
        hsc.propose_adjustment(approved_budget(), "ADJ-2", "fewer payers", cut, NOON)
    with pytest.raises(hsc.TaxFiguresDiffer, match="tax signs the figures proposed"):
        hsc.propose_adjustment(approved_budget(), "ADJ-2", "fewer payers", cut, NOON, tax_signed=(-20_00, 0))
    proposed = hsc.propose_adjustment(approved_budget(), "ADJ-2", "fewer payers", cut, NOON, tax_signed=(-30_00, 0))
    assert proposed.delta_revenue_fen == -30_00 and proposed.tax_cosigned and proposed.needs_tax


def test_an_adjustment_cannot_take_a_budget_line_below_zero_or_touch_a_missing_scheme():
    with pytest.raises(hsc.InvalidBudgetLines, match="cannot go below zero"):
        hsc.draft_adjustment(approved_budget(), "ADJ-3", "cut", [BudgetLine("resident", 0, -391_00)], NOON)
    one_scheme = hsc.record_budget_approved(hsc.submit_budget_draft(hsc.record_tax_confirmation(
        hsc.compile_budget("B-1", 2027, "460100", LINES[:1], tax_cosign_required=True), "tax", NOON),
        "hs_center", NOON)[0], NOON)
    with pytest.raises(hsc.InvalidBudgetLines, match="no resident line"):
        hsc.draft_adjustment(one_scheme, "ADJ-3", "cut", [BudgetLine("resident", 0, 10_00)], NOON)


def test_an_approved_adjustment_applies_to_the_budget_lines_once():
    budget = approved_budget()
    more = [BudgetLine("employee", 0, 50_00), BudgetLine("resident", -30_00, 10_00)]
    adjusted = hsc.apply_adjustment(budget, "ADJ-1", more, NOON)
    assert hsc.applied(adjusted, "ADJ-1") and not hsc.applied(budget, "ADJ-1")
    assert adjusted.lines == budget.lines  # the budget as approved stays as it was
    assert adjusted.line("employee").expenditure_fen == 850_00 + 50_00
    assert adjusted.line("resident").revenue_fen == 400_00 - 30_00
    figures = {f["scheme"]: f for f in hsc.budget_figures(adjusted)}
    assert figures["resident"] == {
        "scheme": "resident",
        "original": {"revenue_fen": 400_00, "expenditure_fen": 390_00, "balance_fen": 0},
        "adjustment": {"revenue_fen": -30_00, "expenditure_fen": 10_00, "balance_fen": -40_00},
        "adjusted": {"revenue_fen": 370_00, "expenditure_fen": 400_00, "balance_fen": -40_00},
    }
    with pytest.raises(hsc.AdjustmentAlreadyApplied):
        hsc.apply_adjustment(adjusted, "ADJ-1", more, NOON)
    with pytest.raises(hsc.BudgetNotApproved):
        hsc.apply_adjustment(hainan_draft(), "ADJ-1", more, NOON)
    # Execution is measured against the adjusted budget; a further adjustment starts from it.
    report = hsc.report_execution(adjusted, "2027-Q1", "employee", 1, 1, "hs_center", at(2027, 4, 1))
    assert report.budget_expenditure_fen == 900_00
    with pytest.raises(hsc.InvalidBudgetLines, match="would fall to -1"):
        hsc.draft_adjustment(adjusted, "ADJ-2", "cut", [BudgetLine("employee", 0, -900_01)], NOON)


def test_the_center_compiles_the_final_accounts_with_the_rolling_balance():
    lines = [
        BudgetLine("employee", 880_00, 840_00, 5_000_00),
        BudgetLine("resident", 400_00, 395_00, 1_000_00),
    ]
    submitted = hsc.submit_final_accounts("FA-2026", 2026, "460100", lines, "hs_center", NOON)
    assert submitted.event_name == "hs_center.final_accounts.submitted"
    assert submitted.rolling_balance_fen == 6_000_00
    with pytest.raises(hsc.WrongActor):
        hsc.submit_final_accounts("FA-2026", 2026, "460100", lines, "finance", NOON)


# --- fund-use plans (HO-15, HO-16) -------------------------------------------------------------------

Q1 = "2027-Q1"
CITIES = ("460100", "460200", "460400")
ON_TIME = at(2026, 11, 18, 10)


def lines_for(quarter=Q1, amount=100_00):
    return [PlanLine(month, "employee", amount) for month in hsc.quarter_months(quarter)]


def plan(region, when=ON_TIME, quarter=Q1):
    submitted, _ = hsc.submit_plan(
        f"{quarter}-{region}", quarter, region, lines_for(quarter), "budget 2027", when
    )
    return submitted


def test_city_plans_for_2027_q1_are_due_on_20_november_2026_inclusive():
    deadline = hsc.city_plan_deadline(Q1)
    assert isinstance(deadline, Deadline) and deadline.kind is DeadlineKind.FIXED_DATE
    assert deadline.due_at == at(2026, 11, 20, *END_OF_DAY)
    assert not plan("460100", at(2026, 11, 20, 23, 59)).late
    assert plan("460100", at(2026, 11, 21, 0, 0)).late


def test_the_consolidation_for_2027_q1_is_due_on_10_december_2026():
    assert hsc.consolidation_deadline(Q1).due_at == at(2026, 12, 10, *END_OF_DAY)
    assert hsc.consolidation_deadline("2027-Q3").due_at == at(2027, 6, 10, *END_OF_DAY)


def test_a_plan_deadline_on_a_saturday_does_not_roll_to_monday():
    # 2027-Q2 plans are due on the 20th of February 2027, a Saturday (fixed date, §9).
    assert hsc.city_plan_deadline("2027-Q2").due_at == at(2027, 2, 20, *END_OF_DAY)
    assert plan("460100", at(2027, 2, 22, 9), quarter="2027-Q2").late


def test_a_plan_submitted_on_time_raises_no_alert():
    submitted, events = hsc.submit_plan("P1", Q1, "460100", lines_for(), "budget 2027", ON_TIME)
    assert [e.event_name for e in events] == ["hs_center.fund_use_plan.submitted"]
    assert submitted.total_fen == 300_00


def test_a_late_plan_is_flagged_when_it_arrives():
    _, (submitted, alert) = hsc.submit_plan(
        "P1", Q1, "460100", lines_for(), "budget 2027", at(2026, 11, 23, 9)
    )
    assert alert.event_name == "hs_center.fund_use_plan.overdue"
    assert alert.region_code == "460100" and alert.submitted_at == at(2026, 11, 23, 9)
    assert alert.due_at == at(2026, 11, 20, *END_OF_DAY)


def test_a_plan_needs_lines_inside_its_quarter_once_each_and_a_budget_basis():
    with pytest.raises(hsc.EmptyPlan):
        hsc.submit_plan("P1", Q1, "460100", [], "budget 2027", ON_TIME)
    with pytest.raises(hsc.MonthOutsideQuarter, match="2027-04 is not in 2027-Q1"):
        hsc.submit_plan("P1", Q1, "460100", [PlanLine("2027-04", "employee", 1)], "budget 2027", ON_TIME)
    twice = [PlanLine("2027-01", "employee", 1), PlanLine("2027-01", "employee", 2)]
    with pytest.raises(hsc.DuplicateLine):
        hsc.submit_plan("P1", Q1, "460100", twice, "budget 2027", ON_TIME)
    with pytest.raises(hsc.BasisRequired):
        hsc.submit_plan("P1", Q1, "460100", lines_for(), "", ON_TIME)
    with pytest.raises(hsc.InvalidAmount):
        PlanLine("2027-01", "employee", -1)


def test_cities_without_a_plan_are_flagged_once_the_deadline_has_passed():
    plans = [plan("460100"), plan("460200", at(2026, 11, 22, 9))]
    assert hsc.flag_late_plans(Q1, CITIES, plans, at(2026, 11, 20, 23)) == ()
    alerts = hsc.flag_late_plans(Q1, CITIES, plans, at(2026, 11, 23, 8))
    assert [(a.region_code, a.submitted_at) for a in alerts] == [
        ("460200", at(2026, 11, 22, 9)),
        ("460400", None),
    ]


def test_the_consolidation_proceeds_without_a_late_city_and_marks_it_missing():
    plans = [plan("460100"), plan("460200")]
    consolidated, event = hsc.consolidate("P-Q1", Q1, CITIES, plans, at(2026, 12, 9, 10))
    assert event.event_name == "hs_center.fund_use_plan.consolidated"
    assert consolidated.missing_regions == event.missing_regions == ("460400",)
    assert event.total_fen == consolidated.total_fen == 600_00
    assert {line.region_code for line in consolidated.lines} == {"460100", "460200"}
    assert not event.late


def test_a_late_plan_is_left_out_unless_the_consolidation_accepts_late_plans():
    plans = [plan("460100"), plan("460200"), plan("460400", at(2026, 11, 25, 9))]
    consolidated, _ = hsc.consolidate("P-Q1", Q1, CITIES, plans, at(2026, 12, 9, 10))
    assert consolidated.missing_regions == ("460400",)
    consolidated, _ = hsc.consolidate("P-Q1", Q1, CITIES, plans, at(2026, 12, 9, 10), accept_late=True)
    assert consolidated.missing_regions == ()


def test_the_consolidation_waits_while_cities_may_still_submit_on_time():
    with pytest.raises(hsc.ConsolidationTooEarly, match="460400 may still submit"):
        hsc.consolidate("P-Q1", Q1, CITIES, [plan("460100"), plan("460200")], at(2026, 11, 19, 10))
    every = [plan(region) for region in CITIES]
    consolidated, _ = hsc.consolidate("P-Q1", Q1, CITIES, every, at(2026, 11, 19, 10))
    assert consolidated.missing_regions == ()


def test_a_consolidation_after_10_december_is_late():
    _, event = hsc.consolidate("P-Q1", Q1, CITIES, [plan(r) for r in CITIES], at(2026, 12, 11, 0, 0))
    assert event.late


def test_the_consolidation_takes_one_plan_per_expected_region_for_its_quarter():
    with pytest.raises(hsc.WrongQuarter):
        hsc.consolidate("P-Q1", Q1, CITIES, [plan("460100", quarter="2027-Q2")], at(2026, 12, 9))
    with pytest.raises(hsc.UnexpectedRegion):
        hsc.consolidate("P-Q1", Q1, CITIES, [plan("469027")], at(2026, 12, 9))
    with pytest.raises(hsc.DuplicatePlan):
        hsc.consolidate("P-Q1", Q1, CITIES, [plan("460100"), plan("460100")], at(2026, 12, 9))


def test_plans_and_the_consolidation_owed_are_listed_until_they_arrive():
    owed = hsc.plan_obligations(Q1, CITIES, [plan("460100")])
    assert [o.party for o in hsc.overdue(owed, at(2026, 11, 21))] == ["hs_center:460200", "hs_center:460400"]
    assert hsc.overdue(owed, at(2026, 12, 11))[-1].party == "hs_center:province"
    done = hsc.plan_obligations(Q1, CITIES, [plan(r) for r in CITIES], consolidated=True)
    assert hsc.open_deadlines(done) == ()


# --- disbursement (HO-19) ----------------------------------------------------------------------------

PROV_EMP = hsc.provincial_expenditure_account("employee")
HAIKOU_EMP = hsc.expenditure_account("460100", "employee")
SPLIT = (
    ApprovedLine("460100", "2027-01", "employee", 300_00),
    ApprovedLine("460200", "2027-01", "employee", 200_00),
)


def money(provincial=1_000_00):
    accounts = {PROV_EMP: provincial, fin.fiscal_special_account("employee"): 0}
    for region in CITIES:
        accounts[hsc.expenditure_account(region, "employee")] = 0
    return fin.Ledger(accounts)


def book_with_allocation(amount=500_00):
    book = hsc.open_disbursement_book("P-Q1", Q1, SPLIT)
    book, received = hsc.receive_allocation(book, "A-1", "2027-01", "employee", amount, at(2026, 12, 30, 9))
    assert received.event_name == "hs_center.fund.allocation_received"
    return book


def test_the_account_names_agree_with_finances_ledger():
    assert hsc.provincial_expenditure_account("resident") == fin.provincial_expenditure_account("resident")
    assert hsc.expenditure_account("460200", "employee") == fin.expenditure_account("460200", "employee")


def test_the_center_pays_a_city_expenditure_account_from_the_provincial_expenditure_account():
    book, ledger, paid = hsc.disburse(
        book_with_allocation(), money(), "D-1", "460100", "2027-01", "employee", 300_00, at(2027, 1, 4, 10)
    )
    assert paid.event_name == "hs_center.fund.disbursed"
    assert (paid.from_account, paid.to_account) == (PROV_EMP, HAIKOU_EMP) and not paid.late
    assert ledger.balance(PROV_EMP) == 700_00 and ledger.balance(HAIKOU_EMP) == 300_00
    assert book.disbursed_for("2027-01", "employee") == 300_00


def test_a_disbursement_never_exceeds_what_finance_allocated_for_the_month():
    book = book_with_allocation(250_00)
    with pytest.raises(hsc.DisbursementExceedsAllocation) as refused:
        hsc.disburse(book, money(), "D-1", "460100", "2027-01", "employee", 300_00, NOON)
    assert str(refused.value) == (
        "paying 30000 fen for 2027-01 employee would bring payments to 30000 fen, above the 25000 fen "
        "finance allocated (25000 fen left); pay at most 25000 fen or wait for finance's allocation"
    )


def test_a_disbursement_never_exceeds_the_regions_approved_split():
    book, ledger, _ = hsc.disburse(
        book_with_allocation(), money(), "D-1", "460100", "2027-01", "employee", 250_00, NOON
    )
    with pytest.raises(
        hsc.DisbursementExceedsApprovedSplit, match="approved 30000 fen \\(5000 fen still open\\)"
    ):
        hsc.disburse(book, ledger, "D-2", "460100", "2027-01", "employee", 50_01, NOON)


def test_only_approved_lines_are_paid():
    with pytest.raises(hsc.NotInApprovedSplit, match="no line for 460400 2027-01 employee"):
        hsc.disburse(book_with_allocation(), money(), "D-1", "460400", "2027-01", "employee", 1, NOON)


def test_a_disbursement_needs_money_in_the_provincial_expenditure_account():
    with pytest.raises(hsc.InsufficientFunds, match="holds 10000 fen, 30000 fen cannot be paid"):
        hsc.disburse(
            book_with_allocation(), money(100_00), "D-1", "460100", "2027-01", "employee", 300_00, NOON
        )


def test_a_disbursement_to_an_account_the_ledger_does_not_hold_is_refused():
    bare = fin.Ledger({PROV_EMP: 1_000_00})
    with pytest.raises(hsc.UnknownAccount, match="open the account"):
        hsc.disburse(book_with_allocation(), bare, "D-1", "460100", "2027-01", "employee", 1, NOON)


def test_payments_and_allocations_are_recorded_once():
    book, ledger, _ = hsc.disburse(
        book_with_allocation(), money(), "D-1", "460100", "2027-01", "employee", 1, NOON
    )
    with pytest.raises(hsc.DuplicateDisbursement):
        hsc.disburse(book, ledger, "D-1", "460100", "2027-01", "employee", 1, NOON)
    with pytest.raises(hsc.DuplicateAllocation):
        hsc.receive_allocation(book, "A-1", "2027-01", "employee", 1, NOON)
    with pytest.raises(hsc.InvalidAmount):
        hsc.disburse(book, ledger, "D-3", "460100", "2027-01", "employee", 0, NOON)


def test_allocations_and_splits_belong_to_the_books_quarter():
    with pytest.raises(hsc.MonthOutsideQuarter):
        hsc.receive_allocation(book_with_allocation(), "A-2", "2027-04", "employee", 1, NOON)
    with pytest.raises(hsc.MonthOutsideQuarter):
        hsc.open_disbursement_book("P", Q1, [ApprovedLine("460100", "2027-04", "employee", 1)])
    with pytest.raises(hsc.DuplicateLine):
        hsc.open_disbursement_book("P", Q1, [SPLIT[0], SPLIT[0]])


def test_month_m_is_paid_out_by_the_5th_of_m_inclusive_without_rolling():
    assert hsc.disbursement_deadline("2027-06").due_at == at(2027, 6, 5, *END_OF_DAY)  # a Saturday
    _, _, on_time = hsc.disburse(
        book_with_allocation(), money(), "D-1", "460100", "2027-01", "employee", 1, at(2027, 1, 5, 23, 59)
    )
    assert not on_time.late
    _, _, late = hsc.disburse(
        book_with_allocation(), money(), "D-1", "460100", "2027-01", "employee", 1, at(2027, 1, 6, 0, 0)
    )
    assert late.late


def test_unpaid_city_lines_are_overdue_after_the_5th():
    book, _, _ = hsc.disburse(
        book_with_allocation(), money(), "D-1", "460100", "2027-01", "employee", 300_00, NOON
    )
    assert hsc.overdue(book.obligations(), at(2027, 1, 5, 12)) == ()
    (late,) = hsc.overdue(book.obligations(), at(2027, 1, 6, 0, 0))
    assert late.what == "disburse 2027-01 employee to 460200 (plan P-Q1)"


# --- property: disbursement never outruns allocation or split ---------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    allocated=st.integers(0, 600_00),
    provincial=st.integers(0, 600_00),
    payments=st.lists(
        st.tuples(st.sampled_from(CITIES), st.integers(-3, 400_00)),
        max_size=20,
    ),
)
def test_disbursements_conserve_money_and_refusals_change_nothing(allocated, provincial, payments):
    book = hsc.open_disbursement_book("P-Q1", Q1, SPLIT)
    if allocated:
        book, _ = hsc.receive_allocation(book, "A-1", "2027-01", "employee", allocated, NOON)
    ledger = money(provincial)
    total = ledger.total()
    for n, (region, amount) in enumerate(payments):
        before = (book, ledger)
        try:
            book, ledger, _ = hsc.disburse(book, ledger, f"D{n}", region, "2027-01", "employee", amount, NOON)
        except hsc.DomainError:
            assert (book, ledger) == before
        assert ledger.total() == total
        assert min(ledger.balances.values()) >= 0
        assert book.disbursed_for("2027-01", "employee") <= min(allocated, 500_00)
        paid_to_cities = sum(ledger.balance(hsc.expenditure_account(r, "employee")) for r in CITIES)
        assert paid_to_cities == book.disbursed_for("2027-01", "employee") <= provincial

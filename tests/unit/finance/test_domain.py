"""Rules of the finance side of the fund's money cycle (domain.md §4.9, §4.10, §8, HO-07…HO-41)."""

from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from services.finance import domain as fin
from services.finance.domain import (
    FINAL_ACCOUNTS,
    HAINAN_ADJUSTMENT,
    HAINAN_BUDGET,
    HENGSHUI_BUDGET,
    ApprovedLine,
    ApprovedPlan,
    BudgetLine,
    FundPosition,
    Ledger,
    PlanLine,
    SharingRatio,
)
from services.hs_center import budget as hsc
from shared.deadlines import SHANGHAI, Deadline, DeadlineKind


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


END_OF_DAY = (23, 59, 59, 999999)
NOON = at(2026, 10, 12, 12)
LINES = (BudgetLine("employee", 900_000_00, 850_000_00), BudgetLine("resident", 400_000_00, 390_000_00))
HIGHER_LINES = (
    BudgetLine("employee", 900_000_00, 870_000_00),
    BudgetLine("resident", 400_000_00, 390_000_00),
)


def submitted(chain=HAINAN_BUDGET, lines=LINES):
    draft = fin.open_draft("B-2027-4601", 2027, "460100", chain)
    draft, _ = fin.submit(draft, "hs_center", lines, NOON, tax_cosigned=chain.tax_cosign != "never")
    return draft


def walk(draft, *actors):
    events = []
    for actor in actors:
        draft, event = fin.advance(draft, actor, NOON)
        events.append(event)
    return draft, events


HAINAN_ROUTE = (
    "healthcare_security",
    "finance",
    "finance",
    "healthcare_security",
    "tax",
    "people_government",
    "peoples_congress",
    "finance",
)


# --- periods -----------------------------------------------------------------------------------------


def test_quarter_2027_q1_is_applied_for_in_2026_q4():
    assert fin.prior_quarter("2027-Q1") == "2026-Q4"
    assert fin.prior_quarter("2027-Q3") == "2027-Q2"
    assert fin.quarter_months("2026-Q4") == ("2026-10", "2026-11", "2026-12")
    assert fin.previous_month("2027-01") == "2026-12"


@pytest.mark.parametrize("bad", ["2027-13", "2027-1", "27-01", 202701])
def test_a_month_must_be_written_yyyy_mm(bad):
    with pytest.raises(fin.InvalidPeriod, match="YYYY-MM"):
        fin.parse_month(bad)


@pytest.mark.parametrize("bad", ["2027-Q5", "2027Q1", "2027-q1"])
def test_a_quarter_must_be_written_yyyy_qn(bad):
    with pytest.raises(fin.InvalidPeriod, match="YYYY-Qn"):
        fin.parse_quarter(bad)


def test_an_unknown_scheme_is_refused():
    with pytest.raises(fin.DomainError, match="'employee' or 'resident'"):
        BudgetLine("maternity", 1, 1)


# --- budget chain (HO-08…HO-11) ----------------------------------------------------------------------


def test_hainan_budget_passes_every_step_and_is_filed_with_the_province():
    draft, events = walk(submitted(), *HAINAN_ROUTE)
    assert draft.state == "filed_with_province"
    assert draft.is_complete
    completed = [e.event_name for e in events if not isinstance(e, fin.JointSignatureRecorded)]
    assert completed == [
        "healthcare_security.budget_draft.reviewed",
        "finance.budget_draft.reviewed",
        "budget.joint_submission.sent",
        "people_government.budget.approved",
        "peoples_congress.budget.approved",
        "finance.budget.filed_with_province",
    ]
    assert [a.step for a in draft.approvals] == [s.state for s in HAINAN_BUDGET.steps]


def test_the_hainan_joint_submission_is_sent_only_with_finance_healthcare_security_and_tax_signatures():
    draft, events = walk(submitted(), "healthcare_security", "finance", "tax", "finance")
    assert draft.state == "finance_reviewed"
    assert events[-1].awaiting == ("healthcare_security",)
    draft, sent = fin.advance(draft, "healthcare_security", NOON)
    assert draft.state == "jointly_submitted"
    assert sent.event_name == "budget.joint_submission.sent"
    assert sent.signed_by == ("finance", "healthcare_security", "tax")


def test_a_signatory_cannot_sign_the_joint_submission_twice():
    draft, _ = walk(submitted(), "healthcare_security", "finance", "tax")
    with pytest.raises(fin.AlreadySigned, match="waiting for finance, healthcare_security"):
        fin.advance(draft, "tax", NOON)


def test_hengshui_budget_has_no_tax_step_and_ends_with_government_approval():
    draft = submitted(HENGSHUI_BUDGET)
    assert not draft.tax_cosigned
    draft, events = walk(draft, "healthcare_security", "finance", "healthcare_security", "finance")
    assert events[-1].signed_by == ("finance", "healthcare_security")
    draft, approved = fin.advance(draft, "people_government", NOON)
    assert approved.event_name == "people_government.budget.approved"
    assert draft.state == "government_approved" and draft.is_complete
    assert "congress_approved" not in HENGSHUI_BUDGET.states
    with pytest.raises(fin.WrongActor):
        fin.advance(submitted(HENGSHUI_BUDGET), "tax", NOON)


def test_tax_is_not_a_signatory_of_the_hengshui_joint_submission():
    draft, _ = walk(submitted(HENGSHUI_BUDGET), "healthcare_security", "finance")
    with pytest.raises(fin.WrongActor, match="finance \\+ healthcare_security"):
        fin.advance(draft, "tax", NOON)


def test_a_hainan_draft_without_tax_co_signature_is_refused():
    draft = fin.open_draft("B", 2027, "460100", HAINAN_BUDGET)
    with pytest.raises(fin.TaxCosignatureMissing, match="tax's co-signature"):
        fin.submit(draft, "hs_center", LINES, NOON)


def test_only_the_center_submits_the_draft():
    draft = fin.open_draft("B", 2027, "460100", HAINAN_BUDGET)
    with pytest.raises(fin.WrongActor, match="only hs_center submits"):
        fin.submit(draft, "tax", LINES, NOON, tax_cosigned=True)


def test_a_submitted_draft_cannot_be_submitted_again_until_returned():
    with pytest.raises(fin.DraftAlreadySubmitted, match="after a reviewer returns it"):
        fin.submit(submitted(), "hs_center", LINES, NOON, tax_cosigned=True)


def test_a_draft_needs_one_line_per_scheme_and_no_negative_budget_figures():
    draft = fin.open_draft("B", 2027, "460100", HAINAN_BUDGET)
    with pytest.raises(fin.InvalidBudgetLines, match="at least one"):
        fin.submit(draft, "hs_center", [], NOON, tax_cosigned=True)
    twice = [BudgetLine("employee", 1, 1), BudgetLine("employee", 2, 2)]
    with pytest.raises(fin.InvalidBudgetLines, match="one line per scheme"):
        fin.submit(draft, "hs_center", twice, NOON, tax_cosigned=True)
    with pytest.raises(fin.InvalidAmount, match="must not be negative"):
        fin.submit(draft, "hs_center", [BudgetLine("employee", -1, 1)], NOON, tax_cosigned=True)
    with pytest.raises(fin.InvalidAmount, match="integer number of fen"):
        fin.submit(draft, "hs_center", [BudgetLine("employee", 1.5, 1)], NOON, tax_cosigned=True)


def test_no_review_happens_before_the_center_submits():
    draft = fin.open_draft("B", 2027, "460100", HAINAN_BUDGET)
    with pytest.raises(fin.DraftNotSubmitted, match="wait for its submission"):
        fin.advance(draft, "healthcare_security", NOON)
    with pytest.raises(fin.DraftNotSubmitted):
        fin.return_for_revision(draft, "healthcare_security", "why", NOON)


def test_finance_cannot_act_on_the_step_of_healthcare_security():
    with pytest.raises(fin.WrongActor, match="step 'hs_reviewed' is for healthcare_security; 'finance'"):
        fin.advance(submitted(), "finance", NOON)


def test_nothing_is_left_to_do_after_filing_with_the_province():
    draft, _ = walk(submitted(), *HAINAN_ROUTE)
    with pytest.raises(fin.ChainComplete, match="nothing is left"):
        fin.advance(draft, "finance", NOON)


def test_a_naive_timestamp_is_refused():
    with pytest.raises(fin.DomainError, match="timezone-aware"):
        fin.advance(submitted(), "healthcare_security", datetime(2026, 10, 12, 12))


# --- return for revision -----------------------------------------------------------------------------


def test_a_return_for_revision_needs_reasons():
    draft, _ = walk(submitted(), "healthcare_security")
    for reasons in ("", "   ", [], ["", " "]):
        with pytest.raises(fin.ReasonsRequired, match="at least one reason"):
            fin.return_for_revision(draft, "finance", reasons, NOON)


def test_only_the_reviewer_holding_the_draft_can_return_it():
    draft, _ = walk(submitted(), "healthcare_security")
    with pytest.raises(fin.WrongActor):
        fin.return_for_revision(draft, "healthcare_security", "second thoughts", NOON)


def test_a_draft_returned_by_finance_goes_back_to_compiling_and_marks_finance_as_the_resume_point():
    draft, _ = walk(submitted(), "healthcare_security")
    draft, returned = fin.return_for_revision(draft, "finance", ["employee spending too low"], NOON)
    assert draft.state == "compiling" and not draft.submitted
    assert draft.resume_at == "finance_reviewed"
    assert returned.event_name == "budget_chain.draft.returned_for_revision"
    assert returned.reasons == ("employee spending too low",)
    assert draft.history[-1].action == "returned"
    assert [a.step for a in draft.approvals] == ["hs_reviewed"]


def test_after_resubmission_the_chain_resumes_at_the_reviewer_who_returned_it():
    draft, _ = walk(submitted(), "healthcare_security")
    draft, _ = fin.return_for_revision(draft, "finance", "employee spending too low", NOON)
    draft, resubmitted = fin.submit(draft, "hs_center", HIGHER_LINES, NOON, tax_cosigned=True)
    assert resubmitted.resumes_at == "finance_reviewed"
    assert draft.state == "hs_reviewed"
    assert draft.pending_step.state == "finance_reviewed"
    assert [a.step for a in draft.approvals] == ["hs_reviewed"]  # not asked again
    assert draft.lines == HIGHER_LINES


def test_a_resubmission_needs_the_tax_co_signature_again():
    draft, _ = walk(submitted(), "healthcare_security")
    draft, _ = fin.return_for_revision(draft, "finance", "too low", NOON)
    assert not draft.tax_cosigned
    with pytest.raises(fin.TaxCosignatureMissing):
        fin.submit(draft, "hs_center", HIGHER_LINES, NOON)


def test_a_return_at_the_joint_step_drops_the_signatures_already_given():
    draft, _ = walk(submitted(), "healthcare_security", "finance", "finance", "tax")
    draft, _ = fin.return_for_revision(draft, "healthcare_security", "resident line unclear", NOON)
    assert draft.signatures == frozenset()
    draft, _ = fin.submit(draft, "hs_center", LINES, NOON, tax_cosigned=True)
    assert draft.state == "finance_reviewed"
    draft, signed = fin.advance(draft, "finance", NOON)
    assert signed.awaiting == ("healthcare_security", "tax")


def test_a_government_return_with_unchanged_figures_goes_straight_back_to_the_government():
    draft, _ = walk(submitted(), *HAINAN_ROUTE[:5])
    draft, _ = fin.return_for_revision(draft, "people_government", "attach the actuarial note", NOON)
    draft, _ = fin.submit(draft, "hs_center", LINES, NOON, tax_cosigned=True)
    assert draft.state == "jointly_submitted"
    assert draft.pending_step.actors == ("people_government",)


def test_a_government_return_with_changed_figures_needs_the_joint_signatures_again():
    draft, _ = walk(submitted(), *HAINAN_ROUTE[:5])
    draft, _ = fin.return_for_revision(draft, "people_government", "cut employee spending", NOON)
    draft, event = fin.submit(draft, "hs_center", HIGHER_LINES, NOON, tax_cosigned=True)
    assert event.resumes_at == "jointly_submitted"
    assert draft.state == "finance_reviewed"
    assert [a.step for a in draft.approvals] == ["hs_reviewed", "finance_reviewed"]


def test_a_return_by_the_first_reviewer_resumes_at_the_first_review():
    draft, _ = fin.return_for_revision(submitted(), "healthcare_security", "missing resident line", NOON)
    draft, _ = fin.submit(draft, "hs_center", HIGHER_LINES, NOON, tax_cosigned=True)
    assert draft.state == "compiling" and draft.submitted
    assert draft.pending_step.state == "hs_reviewed"


# --- adjustment (HO-13) and final accounts (HO-14) chains -------------------------------------------


def test_an_adjustment_climbs_from_local_review_to_the_provincial_standing_committee():
    draft = fin.open_draft("ADJ-1", 2027, "460100", HAINAN_ADJUSTMENT)
    deltas = [BudgetLine("employee", 0, 5_000_000_00)]
    draft, proposed = fin.submit(draft, "hs_center", deltas, NOON)
    assert proposed.event_name == "hs_center.budget_adjustment.proposed"
    draft, events = walk(
        draft,
        "healthcare_security",
        "finance",
        "people_government",
        "provincial_tax",
        "provincial_finance",
        "provincial_healthcare_security",
        "provincial_people_government",
        "provincial_npc_standing_committee",
    )
    assert draft.state == "npc_standing_committee_approved" and draft.is_complete
    assert [a.step for a in draft.approvals] == [
        "local_reviewed",
        "local_government_agreed",
        "province_compiled",
        "provincial_government",
        "npc_standing_committee_approved",
    ]
    assert events[-1].event_name == "peoples_congress.budget_adjustment.approved"


def test_an_adjustment_that_cuts_revenue_needs_tax_and_may_carry_negative_figures():
    draft = fin.open_draft("ADJ-2", 2027, "460100", HAINAN_ADJUSTMENT)
    cut = [BudgetLine("resident", -2_000_000_00, 0)]
    with pytest.raises(fin.TaxCosignatureMissing):
        fin.submit(draft, "hs_center", cut, NOON)
    draft, event = fin.submit(draft, "hs_center", cut, NOON, tax_cosigned=True)
    assert event.tax_cosigned and event.lines[0].revenue_fen == -2_000_000_00


def test_final_accounts_go_center_healthcare_security_finance_joint_government():
    draft = fin.open_draft("FA-2026", 2026, "460100", FINAL_ACCOUNTS)
    draft, submitted_event = fin.submit(draft, "hs_center", LINES, NOON)
    assert submitted_event.event_name == "hs_center.final_accounts.submitted"
    assert not submitted_event.tax_cosigned
    draft, events = walk(
        draft, "healthcare_security", "finance", "finance", "healthcare_security", "people_government"
    )
    assert draft.state == "government_approved" and draft.is_complete
    assert events[-1].event_name == "people_government.final_accounts.approved"


# --- joint review of the fund-use plan (HO-17) -------------------------------------------------------

Q1 = "2027-Q1"
REQUESTED = (
    PlanLine("460100", "2027-01", "employee", 300_00),
    PlanLine("460100", "2027-02", "employee", 300_00),
    PlanLine("460200", "2027-01", "resident", 200_00),
)
AS_REQUESTED = tuple(ApprovedLine(p.region_code, p.month, p.scheme, p.amount_fen) for p in REQUESTED)
REVIEWERS = ("finance", "healthcare_security")
REVIEWED_AT = at(2026, 12, 20, 10)


def review(approved=AS_REQUESTED, reviewers=REVIEWERS, when=REVIEWED_AT, requested=REQUESTED):
    return fin.review_fund_use_plan("P-2027Q1", Q1, requested, approved, reviewers, when)


def test_a_plan_approved_as_requested_is_approved_without_reasons():
    plan, event = review()
    assert event.event_name == "finance.fund_use_plan.reviewed"
    assert event.decision == "approved" and not event.late
    assert plan.total() == 800_00
    assert plan.total(month="2027-01") == 500_00
    assert plan.total(region_code="460200", scheme="resident") == 200_00


def test_the_plan_review_needs_both_finance_and_healthcare_security():
    with pytest.raises(fin.JointReviewIncomplete, match="healthcare_security has not signed"):
        review(reviewers=("finance",))


def test_an_approved_amount_that_differs_from_the_request_needs_a_reason():
    cut = (ApprovedLine("460100", "2027-01", "employee", 250_00), *AS_REQUESTED[1:])
    with pytest.raises(
        fin.AdjustmentReasonRequired, match="approved 25000 fen differs from the requested 30000"
    ):
        review(cut)
    reasoned = (
        ApprovedLine("460100", "2027-01", "employee", 250_00, "Jan settlement lower"),
        *AS_REQUESTED[1:],
    )
    plan, event = review(reasoned)
    assert event.decision == "adjusted"
    assert plan.total(month="2027-01", scheme="employee") == 250_00


def test_the_approved_split_must_cover_every_requested_region_and_month():
    with pytest.raises(fin.SplitIncomplete, match="460200 2027-01 resident"):
        review(AS_REQUESTED[:2])


def test_the_review_cannot_approve_lines_that_were_not_requested():
    extra = (*AS_REQUESTED, ApprovedLine("460400", "2027-01", "employee", 1_00, "late city"))
    with pytest.raises(fin.UnrequestedLine, match="460400 2027-01 employee was not requested"):
        review(extra)


def test_plan_lines_must_lie_in_the_quarter_and_not_repeat():
    with pytest.raises(fin.MonthOutsideQuarter, match="outside 2027-Q1"):
        review((*AS_REQUESTED, ApprovedLine("460100", "2027-04", "employee", 1, "x")))
    with pytest.raises(fin.DuplicateLine, match="two lines for 460100 2027-01 employee"):
        review(requested=(*REQUESTED, REQUESTED[0]))


def test_the_joint_review_is_due_by_the_end_of_the_prior_quarters_last_month():
    deadline = fin.plan_review_deadline(Q1)
    assert isinstance(deadline, Deadline) and deadline.kind is DeadlineKind.FIXED_DATE
    assert deadline.due_at == at(2026, 12, 31, *END_OF_DAY)
    _, event = review(when=at(2027, 1, 1, 0, 0))
    assert event.late


# --- ledger and allocation (HO-18) -------------------------------------------------------------------

SPECIAL_EMP = fin.fiscal_special_account("employee")
PROV_EMP = fin.provincial_expenditure_account("employee")
PLAN = ApprovedPlan("P-2027Q1", Q1, AS_REQUESTED)


def ledger(special_employee=1_000_00, special_resident=1_000_00):
    accounts = {fin.fiscal_special_account("employee"): special_employee}
    accounts[fin.fiscal_special_account("resident")] = special_resident
    for scheme in ("employee", "resident"):
        accounts[fin.provincial_expenditure_account(scheme)] = 0
        for region in ("460100", "460200", "460400"):
            accounts[fin.expenditure_account(region, scheme)] = 0
    return Ledger(accounts)


def test_a_move_debits_one_account_and_credits_the_other():
    book = ledger().moved(SPECIAL_EMP, PROV_EMP, 40_00)
    assert book.balance(SPECIAL_EMP) == 960_00 and book.balance(PROV_EMP) == 40_00
    assert book.total() == ledger().total()


def test_no_account_goes_below_zero():
    with pytest.raises(
        fin.InsufficientFunds, match=r"holds 100000 fen, 100001 fen cannot be moved .* \(1 fen short\)"
    ):
        ledger().moved(SPECIAL_EMP, PROV_EMP, 1_000_01)


def test_a_move_needs_two_known_different_accounts_and_a_positive_amount():
    with pytest.raises(fin.UnknownAccount, match="no account 'nowhere'"):
        ledger().moved(SPECIAL_EMP, "nowhere", 1)
    with pytest.raises(fin.SameAccount):
        ledger().moved(SPECIAL_EMP, SPECIAL_EMP, 1)
    for amount in (0, -5, True, 1.0):
        with pytest.raises(fin.InvalidAmount):
            ledger().moved(SPECIAL_EMP, PROV_EMP, amount)
    with pytest.raises(fin.InvalidAmount):
        Ledger({SPECIAL_EMP: -1})


def test_the_ledger_cannot_be_changed_in_place():
    book = ledger()
    with pytest.raises(TypeError):
        book.balances[SPECIAL_EMP] = 0


def test_finance_allocates_from_the_special_account_to_the_provincial_expenditure_account():
    book, money, event = fin.allocate(
        fin.open_allocation_book(PLAN), ledger(), "A-1", "2027-01", "employee", 300_00, at(2026, 12, 28, 9)
    )
    assert event.event_name == "finance.fund.allocated"
    assert (event.from_account, event.to_account) == (SPECIAL_EMP, PROV_EMP)
    assert event.plan_id == "P-2027Q1" and not event.late
    assert money.balance(SPECIAL_EMP) == 700_00 and money.balance(PROV_EMP) == 300_00
    assert book.allocated_for("2027-01", "employee") == 300_00 and book.remaining("2027-01", "employee") == 0


def test_allocations_never_exceed_the_approved_plan_cumulatively():
    book, money, _ = fin.allocate(
        fin.open_allocation_book(PLAN), ledger(), "A-1", "2027-01", "employee", 200_00, NOON
    )
    with pytest.raises(fin.AllocationExceedsPlan) as refused:
        fin.allocate(book, money, "A-2", "2027-01", "employee", 100_01, NOON)
    assert str(refused.value) == (
        "allocating 10001 fen for 2027-01 employee would bring the total to 30001 fen, "
        "above the approved plan of 30000 fen (10000 fen still open); "
        "allocate at most 10000 fen or have the plan re-reviewed"
    )
    with pytest.raises(fin.AllocationExceedsPlan, match="approved plan of 0 fen"):
        fin.allocate(book, money, "A-3", "2027-03", "employee", 1, NOON)


def test_an_allocation_outside_the_plans_quarter_or_twice_booked_is_refused():
    book = fin.open_allocation_book(PLAN)
    with pytest.raises(fin.MonthOutsideQuarter):
        fin.allocate(book, ledger(), "A-1", "2027-04", "employee", 1, NOON)
    book, money, _ = fin.allocate(book, ledger(), "A-1", "2027-01", "employee", 1, NOON)
    with pytest.raises(fin.DuplicateAllocation, match="already recorded"):
        fin.allocate(book, money, "A-1", "2027-01", "employee", 1, NOON)


def test_an_allocation_needs_money_in_the_special_account():
    with pytest.raises(fin.InsufficientFunds, match="fiscal_special:employee holds 10000 fen"):
        fin.allocate(
            fin.open_allocation_book(PLAN), ledger(100_00), "A-1", "2027-01", "employee", 300_00, NOON
        )


def test_month_m_is_allocated_by_the_last_day_of_the_month_before():
    assert fin.allocation_deadline("2027-01").due_at == at(2026, 12, 31, *END_OF_DAY)
    assert fin.allocation_deadline("2027-03").due_at == at(2027, 2, 28, *END_OF_DAY)
    _, _, event = fin.allocate(
        fin.open_allocation_book(PLAN), ledger(), "A-1", "2027-01", "employee", 1, at(2027, 1, 1, 0, 0)
    )
    assert event.late


def test_allocations_owed_are_listed_until_made_and_overdue_after_month_end():
    book = fin.open_allocation_book(PLAN)
    owed = fin.open_deadlines(book.obligations())
    assert [o.what for o in owed][:2] == [
        "allocate 2027-01 employee (plan P-2027Q1)",
        "allocate 2027-01 resident (plan P-2027Q1)",
    ]
    assert fin.overdue(book.obligations(), at(2026, 12, 31, 23, 59)) == ()
    late = fin.overdue(book.obligations(), at(2027, 1, 1, 0, 0))
    assert {o.what for o in late} == {
        "allocate 2027-01 employee (plan P-2027Q1)",
        "allocate 2027-01 resident (plan P-2027Q1)",
    }
    book, _, _ = fin.allocate(book, ledger(), "A-1", "2027-01", "employee", 300_00, NOON)
    assert "allocate 2027-01 employee (plan P-2027Q1)" not in {
        o.what for o in fin.open_deadlines(book.obligations())
    }


# --- deficit sharing (HO-40) -------------------------------------------------------------------------

AT_YEAR_END = at(2027, 12, 31, 10)
RATIO_2027 = {
    2027: SharingRatio(
        2027,
        {"province": Decimal("0.4"), "460100": Decimal("0.35"), "460200": Decimal("0.25")},
        "琼府〔2027〕1号",
    )
}


def test_an_in_budget_gap_is_paid_from_the_rolling_balance():
    events = fin.share_deficit(FundPosition(2027, 1_000_00, 10_00, in_budget_gap_fen=300_00), {}, AT_YEAR_END)
    assert events == (fin.InBudgetGapCovered(2027, 300_00, 300_00, 700_00),)


def test_an_out_of_budget_gap_is_borne_by_the_city_that_caused_it():
    position = FundPosition(2027, 1_000_00, 10_00, out_of_budget_gaps={"460200": 55_00, "460100": 0})
    assert fin.share_deficit(position, {}, AT_YEAR_END) == (
        fin.OutOfBudgetGapAssigned(2027, "460200", 55_00),
    )


def test_six_months_of_cover_needs_no_sharing():
    assert fin.share_deficit(FundPosition(2027, 60_00, 10_00), {}, AT_YEAR_END) == ()
    assert fin.months_payable(60_00, 10_00) == Fraction(6)


def test_below_six_months_without_a_configured_ratio_the_sharing_is_refused_not_guessed():
    with pytest.raises(fin.RatioNotConfigured) as refused:
        fin.share_deficit(FundPosition(2027, 50_00, 10_00), {2026: RATIO_2027[2027]}, AT_YEAR_END)
    assert "covers 5.00 months (< 6), a shortfall of 1000 fen" in str(refused.value)
    assert "no sharing ratio is configured for 2027" in str(refused.value)


def test_the_shortfall_is_six_months_of_spending_minus_the_balance_shared_by_the_years_ratio():
    (proposed,) = fin.share_deficit(FundPosition(2027, 50_00, 10_00), RATIO_2027, AT_YEAR_END)
    assert proposed.event_name == "finance.deficit_sharing.proposed"
    assert proposed.shortfall_fen == 10_00
    assert proposed.months_payable == Decimal("5.0000")
    assert proposed.province_share_fen == 4_00
    assert proposed.region_shares == (("460100", 3_50), ("460200", 2_50))
    assert proposed.ratio_source == "琼府〔2027〕1号"


def test_an_in_budget_gap_larger_than_the_balance_adds_to_the_shortfall():
    events = fin.share_deficit(
        FundPosition(2027, 10_00, 10_00, in_budget_gap_fen=15_00), RATIO_2027, AT_YEAR_END
    )
    covered, proposed = events
    assert covered.covered_fen == 10_00 and covered.balance_after_fen == -5_00
    assert proposed.shortfall_fen == 65_00


def test_left_over_fen_go_to_the_largest_remainders():
    # 1000 fen by 1:2:4 → exact 142.86 / 285.71 / 571.43; floors 142 + 285 + 571 = 998, 2 fen left.
    assert fin.split_by_weights(1000, {"province": 1, "460100": 2, "460200": 4}) == {
        "province": 143,
        "460100": 286,
        "460200": 571,
    }


def test_an_even_three_way_split_gives_the_odd_fen_to_the_province():
    assert fin.split_by_weights(100, {"460200": 1, "province": 1, "460100": 1}) == {
        "province": 34,
        "460100": 33,
        "460200": 33,
    }


def test_a_tie_on_the_last_fen_goes_to_the_province():
    assert fin.split_by_weights(10, {"province": Decimal("0.15"), "460100": Decimal("0.85")}) == {
        "province": 2,
        "460100": 8,
    }


def test_a_party_with_weight_zero_bears_nothing():
    assert fin.split_by_weights(7, {"province": 0, "460100": 1, "460200": 1}) == {
        "province": 0,
        "460100": 4,
        "460200": 3,
    }


@pytest.mark.parametrize(
    "weights",
    [
        {"province": 0, "460100": 0},
        {"province": Decimal("-1"), "460100": 2},
        {"province": Decimal("NaN")},
        {"x": 0.5},
    ],
)
def test_an_unusable_ratio_is_refused(weights):
    with pytest.raises(fin.InvalidRatio):
        fin.split_by_weights(100, weights)


def test_months_payable_needs_a_positive_average_expenditure():
    with pytest.raises(fin.InvalidAmount, match="more than 0"):
        fin.months_payable(100, 0)


# --- long-term care (HO-41) and resident subsidy (HO-07) ---------------------------------------------


def test_ltc_is_80_yuan_per_person_personal_10_finance_10_pool_60():
    dues = {d.part: d for d in fin.ltc_dues(2026, 1000)}
    assert sum(d.amount_fen for d in dues.values()) == 1000 * 80_00
    assert dues["personal"].amount_fen == 10_000_00 and dues["personal"].payer == "hs_center"
    assert dues["finance_subsidy"].amount_fen == 10_000_00 and dues["finance_subsidy"].payer == "finance"
    assert dues["pool_fund"].amount_fen == 60_000_00


def test_ltc_personal_and_pool_parts_are_due_end_of_january_and_the_finance_subsidy_end_of_march():
    dues = {d.part: d.deadline for d in fin.ltc_dues(2026, 1)}
    assert dues["personal"].due_at == at(2026, 1, 31, *END_OF_DAY)
    assert dues["pool_fund"].due_at == at(2026, 1, 31, *END_OF_DAY)
    assert dues["finance_subsidy"].due_at == at(2026, 3, 31, *END_OF_DAY)
    assert all(d.kind is DeadlineKind.FIXED_DATE and d.starts_at == at(2026, 1, 1) for d in dues.values())


def test_in_2023_the_personal_and_finance_ltc_parts_were_waived_and_the_fund_paid_60_yuan():
    (pool,) = fin.ltc_dues(2023, 1000)
    assert pool.part == "pool_fund" and pool.amount_fen == 60_000_00
    with pytest.raises(fin.PartWaived, match="2023 is waived"):
        fin.remit_ltc_subsidy(2023, 1000, 10_000_00, at(2023, 3, 1, 9))
    assert fin.ltc_dues(2023, 1, waived_years=frozenset()) != fin.ltc_dues(2023, 1)


def test_an_unknown_ltc_part_is_refused():
    with pytest.raises(fin.DomainError, match="personal, finance_subsidy or pool_fund"):
        fin.ltc_obligations(2026, 1, paid=["employer"])


def test_a_plain_plan_line_cannot_stand_in_for_an_adjusted_line_without_a_reason():
    cut = (PlanLine("460100", "2027-01", "employee", 1_00), *AS_REQUESTED[1:])
    with pytest.raises(fin.AdjustmentReasonRequired):
        review(cut)


def test_the_ltc_finance_subsidy_is_exactly_10_yuan_per_insured_person():
    with pytest.raises(fin.WrongAmount, match="is 1000000 fen .* not 999999 fen"):
        fin.remit_ltc_subsidy(2026, 1000, 999_999, at(2026, 3, 1, 9))
    event = fin.remit_ltc_subsidy(2026, 1000, 10_000_00, at(2026, 3, 31, 23, 59))
    assert event.event_name == "finance.ltc_subsidy.remitted" and not event.late
    assert fin.remit_ltc_subsidy(2026, 1000, 10_000_00, at(2026, 4, 1, 0, 0)).late


def test_unpaid_ltc_parts_are_overdue_after_their_month_end():
    owed = fin.ltc_obligations(2026, 1000, paid=["pool_fund"])
    assert [o.party for o in fin.overdue(owed, at(2026, 2, 1, 0, 0))] == ["hs_center"]
    assert {o.what for o in fin.overdue(owed, at(2026, 4, 1, 0, 0))} == {
        "LTC personal 2026: 1000000 fen",
        "LTC finance_subsidy 2026: 1000000 fen",
    }


def test_the_resident_matching_subsidy_is_due_by_31_august_and_late_from_1_september():
    deadline = fin.resident_subsidy_deadline(2027)
    assert deadline.due_at == at(2027, 8, 31, *END_OF_DAY) and deadline.kind is DeadlineKind.FIXED_DATE
    on_time = fin.remit_resident_subsidy(2027, "460100", 5_000_000_00, 120_000, at(2027, 8, 31, 23, 59))
    assert on_time.event_name == "finance.resident_subsidy.remitted" and not on_time.late
    assert on_time.to_account == "fiscal_special:resident"
    assert fin.remit_resident_subsidy(2027, "460100", 1, 1, at(2027, 9, 1, 0, 0)).late
    with pytest.raises(fin.InvalidAmount):
        fin.remit_resident_subsidy(2027, "460100", 0, 1, NOON)


def test_cities_that_have_not_remitted_the_resident_subsidy_are_overdue_in_september():
    owed = fin.resident_subsidy_obligations(2027, ["460200", "460100"], remitted=["460100"])
    assert fin.overdue(owed, at(2027, 8, 31, 12)) == ()
    (late,) = fin.overdue(owed, at(2027, 9, 1, 8))
    assert late.party == "finance:460200"


# --- properties --------------------------------------------------------------------------------------

REGIONS = ("460100", "460200", "460400")
MONTHS = fin.quarter_months(Q1)
SCHEMES = ("employee", "resident")


KEYS = [(r, m, s) for r in REGIONS for m in MONTHS for s in SCHEMES]


@st.composite
def approved_plans(draw):
    keys = draw(st.lists(st.sampled_from(KEYS), unique=True, min_size=1))
    return ApprovedPlan(
        "P", Q1, tuple(ApprovedLine(r, m, s, draw(st.integers(0, 5_000_00)), "split") for r, m, s in keys)
    )


@st.composite
def attempts(draw, plan):
    """Moves mostly on the plan's own lines, sometimes anywhere; amounts sometimes too big or not positive."""
    keys = st.one_of(st.sampled_from([ln.key for ln in plan.lines]), st.sampled_from(KEYS))
    amounts = st.one_of(st.integers(1, 50_00), st.integers(1, 2_000_00), st.integers(-5, 6_000_00))
    return draw(
        st.lists(
            st.tuples(st.sampled_from(["allocate", "disburse"]), keys, amounts), min_size=10, max_size=60
        )
    )


@settings(max_examples=200, deadline=None)
@given(plan=approved_plans(), special=st.integers(0, 50_000_00), data=st.data())
def test_money_is_conserved_no_account_goes_negative_and_refused_moves_change_nothing(plan, special, data):
    moves = data.draw(attempts(plan))
    money = ledger(special, special)
    opening_total = money.total()
    book = fin.open_allocation_book(plan)
    center = hsc.open_disbursement_book(
        plan.plan_id,
        plan.quarter,
        [hsc.ApprovedLine(ln.region_code, ln.month, ln.scheme, ln.amount_fen) for ln in plan.lines],
    )
    for n, move in enumerate(moves):
        before = (book, center, money, dict(money.balances))
        try:
            kind, (region, month, scheme), amount = move
            if kind == "allocate":
                book, money, allocated = fin.allocate(book, money, f"A{n}", month, scheme, amount, NOON)
                center, _ = hsc.receive_allocation(
                    center, allocated.allocation_id, month, scheme, amount, NOON
                )
            else:
                center, money, _ = hsc.disburse(center, money, f"D{n}", region, month, scheme, amount, NOON)
            event(f"{move[0]} done")
        except (fin.DomainError, hsc.DomainError) as refused:
            event(f"{move[0]} refused: {type(refused).__name__}")
            assert (book, center, money) == before[:3]
            assert dict(money.balances) == before[3]
        assert money.total() == opening_total
        assert all(balance >= 0 for balance in money.balances.values())
        for month in MONTHS:
            for scheme in SCHEMES:
                assert book.allocated_for(month, scheme) <= plan.total(month=month, scheme=scheme)
                assert center.disbursed_for(month, scheme) <= center.allocated_for(month, scheme)
                assert center.allocated_for(month, scheme) == book.allocated_for(month, scheme)
        for (region, month, scheme), paid in center.disbursed.items():
            assert paid <= plan.total(month=month, scheme=scheme, region_code=region)
            assert money.balance(fin.expenditure_account(region, scheme)) >= 0


weights = st.dictionaries(
    st.sampled_from(["province", *REGIONS, "469027"]),
    st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False),
    min_size=1,
).filter(lambda w: any(v > 0 for v in w.values()))


@settings(max_examples=300, deadline=None)
@given(balance=st.integers(-(10**12), 10**12), average=st.integers(1, 10**10), ratio=weights)
def test_deficit_shares_sum_to_the_shortfall_to_the_fen(balance, average, ratio):
    position = FundPosition(2027, balance, average)
    events = fin.share_deficit(position, {2027: SharingRatio(2027, ratio, "config")}, AT_YEAR_END)
    shortfall = 6 * average - balance
    if shortfall <= 0:
        assert events == ()
        return
    (proposed,) = events
    shares = {"province": proposed.province_share_fen, **dict(proposed.region_shares)}
    assert proposed.shortfall_fen == shortfall
    assert sum(shares.values()) == shortfall
    whole = sum(Fraction(w) for w in ratio.values())
    for party, w in ratio.items():
        exact = Fraction(shortfall) * Fraction(w) / whole
        assert shares[party] >= 0 and abs(shares[party] - exact) < 1


@settings(max_examples=100, deadline=None)
@given(balance=st.integers(0, 10**12), average=st.integers(1, 10**10))
def test_without_a_ratio_a_shortfall_is_always_refused(balance, average):
    position = FundPosition(2027, balance, average)
    if balance >= 6 * average:
        assert fin.share_deficit(position, {}, AT_YEAR_END) == ()
    else:
        with pytest.raises(fin.RatioNotConfigured):
            fin.share_deficit(position, {}, AT_YEAR_END)


# --- scenario: one fiscal year, a province with three cities ----------------------------------------


def _requested(consolidated):
    """HO-16 over the bus: the center's consolidated lines as finance reads them."""
    return [PlanLine(ln.region_code, ln.month, ln.scheme, ln.amount_fen) for ln in consolidated.lines]


def _approved_for_center(plan):
    """HO-17 over the bus: finance's approved split as the provincial center reads it."""
    return [hsc.ApprovedLine(ln.region_code, ln.month, ln.scheme, ln.amount_fen) for ln in plan.lines]


def _city_lines(quarter, region):
    base = {"460100": 3_000_000_00, "460200": 1_500_000_00, "460400": 700_000_00}[region]
    return [
        hsc.PlanLine(month, scheme, base + i * 1_000_00 + (0 if scheme == "employee" else 123_45))
        for i, month in enumerate(hsc.quarter_months(quarter))
        for scheme in SCHEMES
    ]


def test_one_fiscal_year_of_budget_plans_allocations_and_disbursements_reconciles_to_the_fen():
    # Budget 2027 through the whole Hainan chain, returned once by finance.
    compiled = hsc.compile_budget("B-2027", 2027, "460000", LINES, tax_cosign_required=True)
    compiled = hsc.record_tax_confirmation(compiled, "tax", at(2026, 9, 1, 9))
    compiled, sent = hsc.submit_budget_draft(compiled, "hs_center", at(2026, 9, 2, 9))
    draft = fin.open_draft(sent.draft_id, sent.year, sent.region_code, HAINAN_BUDGET)
    draft, _ = fin.submit(draft, "hs_center", sent.lines, sent.at, tax_cosigned=sent.tax_cosigned)
    draft, _ = fin.advance(draft, "healthcare_security", at(2026, 9, 10, 9))
    draft, returned = fin.return_for_revision(
        draft, "finance", "employee expenditure understated", at(2026, 9, 15, 9)
    )
    compiled = hsc.take_back_for_revision(compiled, returned.signed_by[0], returned.reasons, returned.at)
    compiled = hsc.revise_lines(compiled, HIGHER_LINES)
    compiled = hsc.record_tax_confirmation(compiled, "tax", at(2026, 9, 18, 9))
    compiled, sent = hsc.submit_budget_draft(compiled, "hs_center", at(2026, 9, 18, 15))
    draft, _ = fin.submit(draft, "hs_center", sent.lines, sent.at, tax_cosigned=sent.tax_cosigned)
    assert draft.pending_step.actors == ("finance",)
    draft, _ = walk(draft, *HAINAN_ROUTE[1:])
    assert draft.state == "filed_with_province"
    assert [r.action for r in draft.history].count("returned") == 1
    compiled = hsc.record_budget_approved(compiled, at(2026, 12, 30, 9))

    # Ledger: the special account holds the year's money; every expenditure account starts empty.
    money = ledger(special_employee=100_000_000_00, special_resident=100_000_000_00)
    opening_total = money.total()
    approved_by_region = {r: 0 for r in REGIONS}
    flagged = []
    events = []
    for q in range(1, 5):
        quarter = f"2027-Q{q}"
        p1, p2, p3 = hsc.quarter_months(hsc.prior_quarter(quarter))
        late_city = "460400" if q == 3 else None
        plans = []
        for region in REGIONS:
            if region == late_city:
                continue
            y, m = fin.parse_month(p2)
            plan, _ = hsc.submit_plan(
                f"{quarter}-{region}",
                quarter,
                region,
                _city_lines(quarter, region),
                "budget 2027",
                at(y, m, 18, 10),
            )
            plans.append(plan)
        y, m = fin.parse_month(p2)
        flagged += hsc.flag_late_plans(quarter, REGIONS, plans, at(y, m, 21, 8))
        y, m = fin.parse_month(p3)
        consolidated, consolidated_event = hsc.consolidate(
            f"P-{quarter}", quarter, REGIONS, plans, at(y, m, 9, 16)
        )
        assert not consolidated_event.late
        assert consolidated.missing_regions == ((late_city,) if late_city else ())

        requested = _requested(consolidated)
        approved = [ApprovedLine(p.region_code, p.month, p.scheme, p.amount_fen) for p in requested]
        if q == 2:  # one adjusted line, with its reason
            first = approved[0]
            approved[0] = ApprovedLine(
                first.region_code,
                first.month,
                first.scheme,
                first.amount_fen - 77,
                "rounding to the settlement forecast",
            )
        plan, reviewed = fin.review_fund_use_plan(
            consolidated.plan_id, quarter, requested, approved, REVIEWERS, at(y, m, 20, 10)
        )
        assert not reviewed.late and reviewed.decision == ("adjusted" if q == 2 else "approved")
        for line in plan.lines:
            approved_by_region[line.region_code] += line.amount_fen

        book = fin.open_allocation_book(plan)
        center = hsc.open_disbursement_book(plan.plan_id, quarter, _approved_for_center(plan))
        for month in fin.quarter_months(quarter):
            y, m = fin.parse_month(fin.previous_month(month))
            for scheme in SCHEMES:
                book, money, allocated = fin.allocate(
                    book,
                    money,
                    f"A-{month}-{scheme}",
                    month,
                    scheme,
                    plan.total(month=month, scheme=scheme),
                    at(y, m, 28, 10),
                )
                center, _ = hsc.receive_allocation(
                    center, allocated.allocation_id, month, scheme, allocated.amount_fen, allocated.value_date
                )
                events.append(allocated)
            y, m = fin.parse_month(month)
            for line in _approved_for_center(plan):
                if line.month == month:
                    center, money, disbursed = hsc.disburse(
                        center,
                        money,
                        f"D-{month}-{line.region_code}-{line.scheme}",
                        line.region_code,
                        month,
                        line.scheme,
                        line.amount_fen,
                        at(y, m, 5, 17),
                    )
                    events.append(disbursed)
        assert fin.open_deadlines(book.obligations()) == ()
        assert hsc.open_deadlines(center.obligations()) == ()

    # The late city was flagged once, for Q3, and received nothing for Q3.
    assert [(a.quarter, a.region_code, a.submitted_at) for a in flagged] == [("2027-Q3", "460400", None)]
    assert not any(e.late for e in events)
    assert len([e for e in events if e.event_name == "finance.fund.allocated"]) == 12 * 2

    # Totals reconcile to the fen.
    allocated_total = sum(e.amount_fen for e in events if e.event_name == "finance.fund.allocated")
    disbursed_total = sum(e.amount_fen for e in events if e.event_name == "hs_center.fund.disbursed")
    assert allocated_total == disbursed_total == sum(approved_by_region.values())
    assert money.total() == opening_total
    spent_from_special = (
        2 * 100_000_000_00
        - money.balance(SPECIAL_EMP)
        - money.balance(fin.fiscal_special_account("resident"))
    )
    assert spent_from_special == allocated_total
    assert money.balance(PROV_EMP) == money.balance(fin.provincial_expenditure_account("resident")) == 0
    for region in REGIONS:
        received = sum(money.balance(fin.expenditure_account(region, s)) for s in SCHEMES)
        assert received == approved_by_region[region]
    q3_danzhou = sum(ln.amount_fen for ln in _city_lines("2027-Q3", "460400"))
    full_year_danzhou = sum(ln.amount_fen for q in range(1, 5) for ln in _city_lines(f"2027-Q{q}", "460400"))
    assert approved_by_region["460400"] == full_year_danzhou - q3_danzhou
    assert (
        hsc.report_execution(compiled, "2027-Q4", "employee", 1, 1, "hs_center", at(2028, 1, 20, 9)).late
        is False
    )

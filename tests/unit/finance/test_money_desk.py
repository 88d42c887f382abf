"""Finance's desk rules that the service uses on top of the chains: region configuration, the draft as finance
first sees it at the bureau's review (HO-09), reviews and joint signatures, storage, funding and rewards."""

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.finance import domain as fin
from services.finance.domain import FINAL_ACCOUNTS, HAINAN_BUDGET, HENGSHUI_BUDGET, BudgetLine
from services.hs_center import budget as hsc
from shared.deadlines import SHANGHAI


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


NOON = at(2025, 10, 20, 12)
TOTALS = BudgetLine(None, 1_870_000_000_00, 1_792_000_000_00)


def at_finance(chain=HAINAN_BUDGET):
    """A draft the bureau has just forwarded to finance."""
    draft = fin.open_draft("B-2026", 2026, "460000", chain)
    draft, event = fin.receive_bureau_review(draft, "forwarded", TOTALS, "", NOON)
    assert isinstance(event, fin.BudgetDraftReviewedByHealthcareSecurity)
    return draft


def test_regions_follow_their_configured_chain_and_an_unknown_region_is_refused():
    assert fin.chain_for("460100", "budget") is HAINAN_BUDGET
    assert fin.chain_for("131102", "budget") is HENGSHUI_BUDGET
    assert fin.chain_for("469027", "final_accounts") is FINAL_ACCOUNTS
    with pytest.raises(fin.ChainNotConfigured, match="no budget chain is configured for region 320829"):
        fin.chain_for("320829", "budget")
    custom = {"32": {"budget": "hengshui.budget"}}
    assert fin.chain_for("320829", "budget", custom) is HENGSHUI_BUDGET


def test_finance_first_sees_the_draft_as_totals_forwarded_by_the_bureau():
    draft = at_finance()
    assert draft.state == "hs_reviewed" and draft.pending_step.actors == ("finance",)
    assert draft.lines == (TOTALS,) and draft.total_expenditure_fen == TOTALS.expenditure_fen


def test_a_totals_line_stands_alone():
    with pytest.raises(fin.InvalidBudgetLines, match="stands alone"):
        fin.submit(fin.open_draft("B", 2026, "460000", HAINAN_BUDGET), "hs_center",
                   [TOTALS, BudgetLine("employee", 1, 1)], NOON, tax_cosigned=True)


def test_a_bureau_return_before_finance_saw_the_draft_changes_nothing_at_finance():
    draft = fin.open_draft("B-2026", 2026, "460000", HAINAN_BUDGET)
    same, event = fin.receive_bureau_review(draft, "returned", TOTALS, "wrong figures", NOON)
    assert same == draft and event is None


def test_after_finance_returns_the_draft_the_resubmission_resumes_at_finance():
    draft, returned = fin.review(at_finance(), "finance", False, "interest income missing", NOON)
    assert isinstance(returned, fin.DraftReturnedForRevision) and returned.resume_at == "finance_reviewed"
    # The bureau passes the return down to the center: nothing changes at finance.
    assert fin.receive_bureau_review(draft, "returned", TOTALS, "see finance", NOON) == (draft, None)
    again, event = fin.receive_bureau_review(draft, "forwarded", BudgetLine(None, TOTALS.revenue_fen + 5, 1), "",
                                             NOON)
    assert event is None  # the bureau's approval stands; finance reviews next
    assert again.state == "hs_reviewed" and again.pending_step.actors == ("finance",)


def test_unknown_bureau_decision_is_refused():
    with pytest.raises(fin.DomainError, match="unknown bureau decision"):
        fin.receive_bureau_review(at_finance(), "maybe", TOTALS, "", NOON)


def test_a_review_is_not_a_signature_and_a_signature_is_not_a_review():
    draft, _ = fin.review(at_finance(), "finance", True, "", NOON)
    with pytest.raises(fin.WrongActor, match="joint signature, not a review"):
        fin.review(draft, "finance", True, "", NOON)
    with pytest.raises(fin.WrongActor, match="is not a joint submission"):
        fin.sign_joint(at_finance(), "finance", NOON)


def test_the_joint_submission_lists_every_signatory_with_its_time():
    draft, _ = fin.review(at_finance(), "finance", True, "", NOON)
    draft, _ = fin.sign_joint(draft, "tax", at(2025, 10, 21, 9))
    draft, _ = fin.sign_joint(draft, "healthcare_security", at(2025, 10, 21, 10))
    with pytest.raises(fin.AlreadySigned):
        fin.sign_joint(draft, "tax", NOON)
    draft, sent = fin.sign_joint(draft, "finance", at(2025, 10, 21, 11))
    assert isinstance(sent, fin.BudgetJointSubmissionSent)
    assert fin.joint_signatures(draft, "jointly_submitted") == (
        ("tax", at(2025, 10, 21, 9)), ("healthcare_security", at(2025, 10, 21, 10)),
        ("finance", at(2025, 10, 21, 11)))


def test_a_government_return_sends_the_draft_back_and_the_chain_resumes_at_the_government():
    draft, _ = fin.review(at_finance(), "finance", True, "", NOON)
    for agency in ("tax", "healthcare_security", "finance"):
        draft, _ = fin.sign_joint(draft, agency, NOON)
    with pytest.raises(fin.ReasonsRequired):
        fin.review(draft, "people_government", False, " ", NOON)
    draft, _ = fin.review(draft, "people_government", False, "returned by the provincial government", NOON)
    again, _ = fin.receive_bureau_review(draft, "forwarded", TOTALS, "", NOON)
    assert again.pending_step.state == "government_approved"
    changed, _ = fin.receive_bureau_review(draft, "forwarded", BudgetLine(None, 1, 1), "", NOON)
    assert changed.pending_step.state == "jointly_submitted"  # new figures: everyone signs again


def test_a_draft_survives_storage_unchanged():
    draft, _ = fin.review(at_finance(), "finance", True, "", NOON)
    draft, _ = fin.sign_joint(draft, "tax", NOON)
    assert fin.draft_from_dict(fin.draft_to_dict(draft)) == draft


def test_funding_an_account_adds_exactly_the_amount_and_refuses_nothing_or_negative():
    ledger = fin.fund_account(fin.Ledger(), "fiscal_special:employee", 100)
    assert fin.fund_account(ledger, "fiscal_special:employee", 5).balances == {"fiscal_special:employee": 105}
    for bad in (0, -1, 1.5):
        with pytest.raises(fin.InvalidAmount):
            fin.fund_account(ledger, "fiscal_special:employee", bad)


def test_the_stored_allocation_book_is_the_book_that_was_built():
    plan = fin.ApprovedPlan("P", "2026-Q1", (fin.ApprovedLine("460100", "2026-01", "employee", 900),))
    book, ledger, _ = fin.allocate(fin.open_allocation_book(plan),
                                   fin.Ledger({"fiscal_special:employee": 1000, "provincial_expenditure:employee": 0}),
                                   "A-1", "2026-01", "employee", 400, NOON)
    assert fin.rebuild_allocation_book(plan, [("A-1", "2026-01", "employee", 400)]) == book
    assert ledger.total() == 1000


# --- rewards (HO-32) ---------------------------------------------------------------------------------------

NOTICE = at(2026, 3, 2, 9)


def approved_reward():
    collect_by = fin.reward_collect_deadline(date(2026, 3, 4), NOTICE)
    return fin.receive_reward("RW-1", "RPT-1", "460100", 250_000, collect_by)


def test_a_reward_is_payable_until_the_end_of_its_collection_day():
    reward = approved_reward()
    assert reward.collect_by.due_at == at(2026, 3, 4, 23, 59, 59, 999999)
    paid, event = fin.pay_reward(reward, "FIN-1", at(2026, 3, 4, 23, 59))
    assert event == fin.RewardPaid("RW-1", 250_000, "FIN-1", at(2026, 3, 4, 23, 59))
    assert paid.paid_at == at(2026, 3, 4, 23, 59)


def test_a_reward_is_paid_once_not_after_it_is_waived_and_only_with_a_reference():
    paid, _ = fin.pay_reward(approved_reward(), "FIN-1", NOTICE)
    with pytest.raises(fin.RewardAlreadyPaid, match="do not pay it twice"):
        fin.pay_reward(paid, "FIN-2", NOTICE)
    with pytest.raises(fin.RewardWaived, match="deemed waived"):
        fin.pay_reward(approved_reward(), "FIN-1", at(2026, 3, 5, 0, 0))
    with pytest.raises(fin.DomainError, match="payment reference"):
        fin.pay_reward(approved_reward(), " ", NOTICE)
    with pytest.raises(fin.InvalidAmount):
        fin.receive_reward("RW-0", "RPT", "460100", 0, approved_reward().collect_by)


# --- property: the two agencies' books, as the services keep them, conserve money -------------------------

MONTHS = ("2026-01", "2026-02", "2026-03")
REGIONS = ("460100", "460200", "460400")


@st.composite
def year_of_moves(draw):
    plan_lines = {(r, m): draw(st.integers(0, 3_000_00)) for r in REGIONS for m in MONTHS}
    moves = draw(st.lists(st.tuples(st.sampled_from(["allocate", "disburse"]), st.sampled_from(REGIONS),
                                    st.sampled_from(MONTHS), st.integers(-10, 4_000_00)), max_size=40))
    return plan_lines, draw(st.integers(0, 20_000_00)), moves


@settings(max_examples=150, deadline=None)
@given(case=year_of_moves())
def test_money_is_conserved_across_finance_and_the_center_and_no_account_goes_below_zero(case):
    plan_lines, funded, moves = case
    plan = fin.ApprovedPlan("P", "2026-Q1", tuple(fin.ApprovedLine(r, m, "employee", a, "split")
                                                  for (r, m), a in plan_lines.items()))
    ledger = fin.Ledger({"fiscal_special:employee": funded, "provincial_expenditure:employee": 0})
    book = fin.open_allocation_book(plan)
    center = hsc.open_disbursement_book("P", "2026-Q1", [hsc.ApprovedLine(r, m, "employee", a)
                                                         for (r, m), a in plan_lines.items()])
    received, paid = [], []  # what the center's tables hold
    for n, (kind, region, month, amount) in enumerate(moves):
        try:
            if kind == "allocate":
                book, ledger, event = fin.allocate(book, ledger, f"A{n}", month, "employee", amount, at(2025, 12, 1))
                center, _ = hsc.receive_allocation(center, event.allocation_id, month, "employee", amount,
                                                   at(2025, 12, 2))
                received.append(("employee", amount))
            else:
                accounts = hsc.center_accounts(received, paid).opened(hsc.expenditure_account(region, "employee"))
                accounts = accounts.opened(hsc.provincial_expenditure_account("employee"))
                center, accounts, _ = hsc.disburse(center, accounts, f"D{n}", region, month, "employee", amount,
                                                   at(2026, 1, 2))
                paid.append((region, "employee", amount))
        except (fin.DomainError, hsc.DomainError):
            pass
        accounts = hsc.center_accounts(received, paid)
        allocated = sum(a for _, a in received)
        assert ledger.total() == funded
        assert ledger.balance("provincial_expenditure:employee") == allocated
        assert sum(accounts.balances.values()) == allocated  # what the center holds is what finance sent
        assert all(v >= 0 for v in (*ledger.balances.values(), *accounts.balances.values()))
        for month in MONTHS:
            assert center.disbursed_for(month, "employee") <= book.allocated_for(month, "employee") \
                <= plan.total(month=month, scheme="employee")

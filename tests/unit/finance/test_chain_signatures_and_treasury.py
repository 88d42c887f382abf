"""Finance's rules for signed chain steps (HO-10/13/14) and money coming in (HO-06 treasury 旬, HO-07 subsidy)."""

from dataclasses import replace
from datetime import datetime

import pytest

from services.finance import domain as fin
from services.finance.domain import FINAL_ACCOUNTS, HAINAN_ADJUSTMENT, BudgetLine
from services.finance.domain import signatures as sig
from services.finance.domain import treasury as tr
from shared.deadlines import SHANGHAI


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


NOON = at(2027, 5, 10, 12)
DELTA = (0, 5_000_000_00)


def proposed(region="460100"):
    draft = fin.open_draft("ADJ-1", 2027, region, HAINAN_ADJUSTMENT)
    draft, _ = fin.submit(draft, "hs_center", [BudgetLine(None, *DELTA)], NOON)
    return draft


def sign(draft, agency, decision="signed", region="460100", reasons="", figures=DELTA, step=None):
    step = step or draft.pending_step.state
    return sig.sign_step(draft, agency, region, step, decision, reasons, figures, NOON)


def test_the_adjustment_walks_the_whole_004_25_chain_on_signed_events():
    draft = proposed()
    draft, _ = sign(draft, "healthcare_security")
    draft, event = sign(draft, "finance")
    assert draft.state == "local_reviewed" and event.signed_by == ("healthcare_security", "finance")
    draft, _ = sig.decide(draft, sig.government_actor(draft, "city"), True, "", NOON)
    for agency in ("tax", "healthcare_security", "finance"):
        draft, _ = sign(draft, agency, region="460000")
    assert draft.state == "province_compiled"
    draft, _ = sig.decide(draft, sig.government_actor(draft, "province"), True, "", NOON)
    draft, event = sig.decide(draft, "provincial_npc_standing_committee", True, "", NOON)
    assert draft.is_complete and event.event_name == "peoples_congress.budget_adjustment.approved"


def test_a_city_department_cannot_sign_the_provincial_compilation():
    draft = proposed()
    draft, _ = sign(draft, "healthcare_security")
    draft, _ = sign(draft, "finance")
    draft, _ = sig.decide(draft, "people_government", True, "", NOON)
    with pytest.raises(sig.NotProvincial, match="not a province"):
        sign(draft, "tax", region="460100")


def test_a_signature_on_a_step_that_is_not_pending_is_refused():
    draft = proposed()
    with pytest.raises(sig.StepNotPending, match="waits for 'local_reviewed'"):
        sign(draft, "healthcare_security", step="province_compiled")
    with pytest.raises(fin.WrongActor):
        sign(draft, "tax")  # tax has no part in the local review


def test_signed_figures_must_be_the_figures_on_the_chain():
    with pytest.raises(sig.FiguresDiffer, match="sign the figures on the chain"):
        sign(proposed(), "healthcare_security", figures=(0, 4_000_000_00))


def test_a_return_needs_reasons_and_resumes_at_the_returning_step():
    draft = proposed()
    draft, _ = sign(draft, "healthcare_security")
    with pytest.raises(fin.ReasonsRequired):
        sign(draft, "finance", "returned")
    draft, event = sign(draft, "finance", "returned", reasons="the rise is not itemised")
    assert event.resume_at == "local_reviewed" and not draft.submitted
    payload = sig.progress(draft, "adjustment", NOON)
    assert payload["action"] == "returned" and payload["by"] == "finance" and "itemised" in payload["note"]
    assert "pending_step" not in payload and payload["awaiting"] == []
    with pytest.raises(sig.StepNotPending, match="back with hs_center"):
        sign(draft, "healthcare_security", step="local_reviewed")
    draft, _ = fin.submit(draft, "hs_center", [BudgetLine(None, 0, 4_000_000_00)], NOON)
    assert draft.pending_step.state == "local_reviewed" and draft.signatures == frozenset()


def test_a_rejecting_government_returns_the_adjustment_with_its_reason():
    draft = proposed()
    draft, _ = sign(draft, "healthcare_security")
    draft, _ = sign(draft, "finance")
    draft, event = sig.decide(draft, sig.government_actor(draft, "city"), False, "rejected by 460100 (G-1)", NOON)
    assert event.reasons == ("rejected by 460100 (G-1)",) and draft.resume_at == "local_government_agreed"


def test_a_provincial_government_cannot_stand_in_for_a_city_government():
    draft = proposed()
    draft, _ = sign(draft, "healthcare_security")
    draft, _ = sign(draft, "finance")
    with pytest.raises(fin.WrongActor):
        sig.government_actor(draft, "province")


def test_final_accounts_joint_submission_completes_with_the_bureau_s_signed_event():
    draft = fin.open_draft("FA-1", 2026, "460100", FINAL_ACCOUNTS)
    draft, _ = fin.receive_bureau_review(draft, "forwarded", BudgetLine(None, 900, 800, 100), "", NOON)
    draft, _ = sign(draft, "finance", figures=(900, 800))
    draft, event = sign(draft, "finance", figures=(900, 800))
    assert event.event_name == "budget_chain.joint_signature.recorded" and event.awaiting == ("healthcare_security",)
    draft, event = sign(draft, "healthcare_security", figures=(900, 800))
    assert event.event_name == "final_accounts.joint_submission.sent"
    assert [a for a, _ in fin.joint_signatures(draft, "jointly_submitted")] == ["finance", "healthcare_security"]


# --- HO-06: every 旬 ---------------------------------------------------------------------------------------


def test_dekads_are_days_1_10_11_20_and_21_to_month_end():
    assert tr.dekad_days("2027-02-D3") == (at(2027, 2, 21).date(), at(2027, 2, 28).date())
    assert tr.dekad_of(at(2027, 2, 11).date()) == "2027-02-D2"
    assert tr.next_dekad("2027-12-D3") == "2028-01-D1"
    with pytest.raises(fin.InvalidPeriod):
        tr.parse_dekad("2027-02-D4")
    with pytest.raises(fin.InvalidPeriod, match="2000..2099"):  # year 0 once broke finance's watch
        tr.parse_dekad("0000-01-D1")


def test_a_dekad_s_transfer_is_due_when_the_next_dekad_ends_and_never_rolls():
    due = tr.premium_transfer_deadline("2026-09-D3")  # 21-30 Sep; next 旬 is 1-10 Oct, National Day
    assert due.due_at == at(2026, 10, 10, 23, 59, 59, 999999)
    assert not due.is_overdue(at(2026, 10, 10, 23, 59, 59)) and due.is_overdue(at(2026, 10, 11, 0, 0))


def test_a_voucher_is_issued_once_per_treasury_dekad_and_scheme_after_the_dekad_ends():
    with pytest.raises(tr.VoucherTooEarly):
        tr.issue_voucher("V1", "2027-03-D1", "T-4601", "460100", "employee", 100, at(2027, 3, 10, 18))
    v = tr.issue_voucher("V1", "2027-03-D1", "T-4601", "460100", "employee", 100, at(2027, 3, 11, 9))
    assert v.to_account == "fiscal_special:employee"
    with pytest.raises(tr.DuplicateVoucher):
        tr.issue_voucher("V2", "2027-03-D1", "T-4601", "460100", "employee", 5, at(2027, 3, 11, 9), [v])
    with pytest.raises(fin.InvalidAmount):
        tr.issue_voucher("V3", "2027-03-D1", "T-4601", "460100", "resident", 0, at(2027, 3, 11, 9))


def test_a_transfer_must_match_its_voucher_and_is_credited_once():
    v = tr.issue_voucher("V1", "2027-03-D1", "T-4601", "460100", "employee", 100, at(2027, 3, 11, 9))
    with pytest.raises(tr.TransferDoesNotMatchVoucher, match="ordered 100 fen"):
        tr.receive_transfer(v, "employee", 99, "fiscal_special:employee")
    done = tr.receive_transfer(v, "employee", 100, "fiscal_special:employee")
    with pytest.raises(tr.AlreadyTransferred):
        tr.receive_transfer(done, "employee", 100, "fiscal_special:employee")


def test_a_dekad_passing_without_the_transfer_is_overdue():
    owed = tr.premium_transfer_obligations("T-4601", "2027-03-D1", at(2027, 3, 21, 0, 0), ["2027-03-D1"])
    assert [o.what for o in owed] == ["premium transfer 2027-03-D1 from treasury T-4601",
                                      "premium transfer 2027-03-D2 from treasury T-4601"]
    assert fin.overdue(owed, at(2027, 3, 31, 23, 59)) == ()
    late = fin.overdue(owed, at(2027, 4, 1, 0, 0))
    assert [o.what for o in late] == ["premium transfer 2027-03-D2 from treasury T-4601"]


# --- HO-07 -------------------------------------------------------------------------------------------------


def test_the_resident_subsidy_is_due_31_august_and_received_once():
    owed = fin.resident_subsidy_obligations(2027, ["460100", "460200"], ["460100"])
    assert fin.overdue(owed, at(2027, 8, 31, 23, 59)) == ()
    assert [o.party for o in fin.overdue(owed, at(2027, 9, 1, 0, 0))] == ["finance:460200"]
    assert fin.remit_resident_subsidy(2027, "460200", 100, 1, at(2027, 9, 1, 9)).late
    tr.receive_resident_subsidy("R-1", [])
    with pytest.raises(tr.AlreadyReceived):
        tr.receive_resident_subsidy("R-1", ["R-1"])


def test_the_budget_joint_submission_completes_only_with_every_configured_signature():
    """HO-10: finance, the bureau and (Hainan) tax each sign the joint step with their own signed event; the last
    one, whoever it is, sends the submission. Hengshui's chain needs no tax signature."""
    for region, signers in (("460100", ("tax", "finance", "healthcare_security")),
                            ("131102", ("healthcare_security", "finance"))):
        chain = fin.chain_for(region, "budget")
        draft = fin.open_draft("B-1", 2027, region, chain)
        draft, _ = fin.submit(draft, "hs_center", [BudgetLine(None, 100_00, 90_00)], NOON,
                              tax_cosigned=chain.tax_cosign != "never")
        draft, _ = fin.advance(draft, "healthcare_security", NOON)
        draft, _ = fin.advance(draft, "finance", NOON)
        figures = (100_00, 90_00)
        for agency in signers[:-1]:
            draft, event = sig.sign_step(draft, agency, region, "jointly_submitted", "signed", "", figures, NOON)
            assert isinstance(event, fin.JointSignatureRecorded) and draft.state == "finance_reviewed"
        if region.startswith("1311"):
            with pytest.raises(fin.WrongActor):
                sig.sign_step(draft, "tax", region, "jointly_submitted", "signed", "", figures, NOON)
        draft, event = sig.sign_step(draft, signers[-1], region, "jointly_submitted", "signed", "", figures, NOON)
        assert isinstance(event, fin.BudgetJointSubmissionSent) and draft.state == "jointly_submitted"
        assert sorted(a for a, _ in fin.joint_signatures(draft, "jointly_submitted")) == sorted(signers)


def test_a_co_signatory_returning_the_joint_submission_sends_the_draft_back_to_the_center():
    draft = fin.open_draft("B-1", 2027, "460100", fin.HAINAN_BUDGET)
    draft, _ = fin.submit(draft, "hs_center", [BudgetLine(None, 100_00, 90_00)], NOON, tax_cosigned=True)
    draft, _ = fin.advance(draft, "healthcare_security", NOON)
    draft, _ = fin.advance(draft, "finance", NOON)
    draft, _ = sig.sign_step(draft, "finance", "460100", "jointly_submitted", "signed", "", (100_00, 90_00), NOON)
    draft, event = sig.sign_step(draft, "tax", "460100", "jointly_submitted", "returned",
                                 "revenue ignores the 2027 base rise", (100_00, 90_00), NOON)
    assert isinstance(event, fin.DraftReturnedForRevision) and event.resume_at == "jointly_submitted"
    assert not draft.submitted and draft.history[-1].by == "tax"
    progress = sig.progress(draft, "budget", NOON)
    assert progress["action"] == "returned" and progress["by"] == "tax" and "pending_step" not in progress


def test_tax_co_signing_the_center_proposal_is_not_a_step_of_finance_chain():
    assert sig.is_compilers_cosignature("adjustment", "460100", "proposed")
    assert not sig.is_compilers_cosignature("adjustment", "460100", "province_compiled")
    assert not sig.is_compilers_cosignature("adjustment", "131102", "proposed")  # no chain configured there


def test_provincial_final_accounts_go_on_to_the_npc_standing_committee():
    """HO-14 (004:27): a province's own final accounts end with the standing committee; a city's with the
    government."""
    assert fin.chain_for("460100", "final_accounts") is FINAL_ACCOUNTS
    chain = fin.chain_for("460000", "final_accounts")
    assert chain is fin.PROVINCIAL_FINAL_ACCOUNTS and chain.steps[-1].state == "npc_standing_committee_approved"
    draft = fin.open_draft("FA-1", 2026, "460000", chain)
    draft, _ = fin.submit(draft, "hs_center", [BudgetLine(None, 100_00, 90_00, 10_00)], NOON)
    draft, _ = fin.advance(draft, "healthcare_security", NOON)
    draft, _ = fin.advance(draft, "finance", NOON)
    for agency in ("finance", "healthcare_security"):
        draft, _ = sig.sign_step(draft, agency, "460000", "jointly_submitted", "signed", "", (100_00, 90_00), NOON)
    draft, _ = sig.decide(draft, sig.government_actor(draft, "province"), True, "", NOON)
    assert draft.state == "government_approved" and not draft.is_complete
    with pytest.raises(fin.WrongActor):
        sig.decide(draft, "people_government", True, "", NOON)
    returned, _ = sig.decide(draft, "provincial_npc_standing_committee", False, "not approved (SC-1)", NOON)
    assert returned.resume_at == "npc_standing_committee_approved"
    draft, event = sig.decide(draft, "provincial_npc_standing_committee", True, "", NOON)
    assert draft.is_complete and event.event_name == "peoples_congress.final_accounts.approved"


def test_the_budget_shows_its_approved_adjustments_and_the_adjusted_totals():
    budget = fin.open_draft("B-1", 2027, "460100", fin.HAINAN_BUDGET)
    budget, _ = fin.submit(budget, "hs_center", [BudgetLine(None, 100_00, 90_00)], NOON, tax_cosigned=True)
    approved = proposed()
    for agency in ("healthcare_security", "finance"):
        approved, _ = sign(approved, agency)
    approved, _ = sig.decide(approved, "people_government", True, "", NOON)
    for agency in ("tax", "healthcare_security", "finance"):
        approved, _ = sign(approved, agency, region="460000")
    approved, _ = sig.decide(approved, "provincial_people_government", True, "", NOON)
    approved, _ = sig.decide(approved, "provincial_npc_standing_committee", True, "", NOON)
    pending = replace(proposed(), draft_id="ADJ-2")
    totals = fin.adjusted_totals(budget, [approved, pending])
    assert totals == {"original": {"revenue_fen": 100_00, "expenditure_fen": 90_00},
                      "adjustment": {"revenue_fen": 0, "expenditure_fen": 5_000_000_00},
                      "adjusted": {"revenue_fen": 100_00, "expenditure_fen": 90_00 + 5_000_000_00},
                      "adjustments_applied": ["ADJ-1"]}

"""Tax's rules around the feed: answers, referrals, corrections, enrollment, the treasury report."""

import pytest

from services.tax import domain


def item(kind, responsible, payer_kind="employer", item_id="1"):
    return {"item_id": item_id, "kind": kind, "responsible": responsible, "payer_id": "91460100000000001A",
            "payer_kind": payer_kind, "scheme": "employee", "collected_fen": 900, "reason": "why"}


def test_only_unregistered_employers_are_referred_to_the_bureau():
    items = [item("unknown_payer", "healthcare_security"), item("unknown_payer", "healthcare_security", "person", "2"),
             item("missing_from_feed", "tax", item_id="3")]
    (referral,) = domain.referrals("DISC-F", "F", items)
    assert (referral.referral_id, referral.kind, referral.amount_fen) == ("REF-DISC-F-1", "not_registered", 900)


def test_a_correction_must_answer_items_of_the_report():
    with pytest.raises(domain.CorrectionError, match=r"\['9'\]"):
        domain.check_correction({"1"}, [{"item_id": "9", "resolution": "confirmed"}], None)


def test_a_changed_figure_comes_with_restated_lines():
    with pytest.raises(domain.CorrectionError, match="restate"):
        domain.check_correction({"1"}, [{"item_id": "1", "resolution": "corrected"}], None)
    domain.check_correction({"1"}, [{"item_id": "1", "resolution": "corrected"}], [{"scheme": "employee"}])


def test_tax_cannot_end_collection_on_a_registration_it_never_had():
    assert domain.enrollment_answer("new", known=False) == ("accepted", None)
    status, reason = domain.enrollment_answer("terminate", known=False)
    assert status == "rejected" and "no enrollment on record" in reason


def test_every_answer_of_the_center_has_a_feed_status_at_tax():
    assert {domain.reconciliation_status(s) for s in ("matched", "discrepancies", "incomplete", "refused")} == {
        "reconciled", "discrepancies_reported", "incomplete", "refused"}


def test_treasury_receipts_are_set_beside_net_collection():
    feed = [{"scheme": "employee", "amount_collected_fen": 1_000, "refunds_fen": 100}]
    assert domain.treasury_differences([{"scheme": "employee", "amount_fen": 950}], feed) == [
        {"scheme": "employee", "treasury_fen": 950, "collected_fen": 900, "difference_fen": 50}]


def test_tax_hears_of_a_pushed_feed_in_the_answer_but_a_summary_it_published_itself():
    assert domain.answers_a_pushed_feed({"status": "discrepancies", "line_count": 10})
    assert domain.answers_a_pushed_feed({"status": "refused"})
    assert not domain.answers_a_pushed_feed({"status": "matched"})

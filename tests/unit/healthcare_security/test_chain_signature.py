"""The co-signatories' guard on signing a step of finance's chains (HO-10/13/14), shared by the bureau and tax
(shared/chain_signing.py)."""

import pytest

from shared.chain_signing import ChainSignatureRefused, chain_copy, check_signature

LOCAL = {"state": "proposed", "pending_step": "local_reviewed", "awaiting": ["healthcare_security", "finance"],
         "total_revenue_fen": 0, "total_expenditure_fen": 500, "sequence": 3}
PROVINCIAL = {**LOCAL, "pending_step": "province_compiled",
              "awaiting": ["provincial_healthcare_security", "provincial_tax", "provincial_finance"]}
JOINT = {**LOCAL, "state": "finance_reviewed", "pending_step": "jointly_submitted", "awaiting": ["healthcare_security",
                                                                                                 "tax"]}


def bureau(chain, decision="signed", reasons="", region="460100"):
    return check_signature("healthcare_security", chain, decision, reasons, region)


def test_the_bureau_signs_only_a_step_that_waits_for_it():
    assert bureau(LOCAL) == "local_reviewed"
    with pytest.raises(ChainSignatureRefused, match="nothing for healthcare_security to sign"):
        bureau(None)
    with pytest.raises(ChainSignatureRefused, match="not healthcare_security"):
        bureau({**LOCAL, "awaiting": ["finance"]})


def test_the_provincial_step_is_signed_from_a_provincial_region_and_returns_say_why():
    with pytest.raises(ChainSignatureRefused, match="provincial region code"):
        bureau(PROVINCIAL)
    assert bureau(PROVINCIAL, region="460000") == "province_compiled"
    with pytest.raises(ChainSignatureRefused, match="must say why"):
        bureau(LOCAL, "returned", "  ")


def test_tax_signs_the_provincial_plan_and_the_joint_budget_but_not_the_local_review():
    assert check_signature("tax", PROVINCIAL, "signed", "", "460000") == "province_compiled"
    assert check_signature("tax", JOINT, "returned", "revenue ignores the base rise", "460100") == "jointly_submitted"
    with pytest.raises(ChainSignatureRefused, match="not tax"):
        check_signature("tax", LOCAL, "signed", "", "460100")
    with pytest.raises(ChainSignatureRefused, match="provincial region code"):
        check_signature("tax", PROVINCIAL, "signed", "", "460100")


def test_an_older_progress_notice_does_not_overwrite_a_newer_copy():
    assert chain_copy(LOCAL, {**PROVINCIAL, "sequence": 2}) is None
    assert chain_copy(LOCAL, {**PROVINCIAL, "sequence": 4})["pending_step"] == "province_compiled"
    assert chain_copy(None, LOCAL) == {k: LOCAL.get(k) for k in ("state", "pending_step", "awaiting", "complete",
                                                                 "total_revenue_fen", "total_expenditure_fen",
                                                                 "sequence")}

"""The bureau's (and tax's) guard on signing a step of finance's chains (HO-10/13/14)."""

import pytest

from services.healthcare_security.budget_review import BudgetReviewError, check_signature
from services.tax.chain_signing import ChainSigningError
from services.tax.chain_signing import check_signature as tax_check

LOCAL = {"state": "proposed", "pending_step": "local_reviewed", "awaiting": ["healthcare_security", "finance"],
         "total_revenue_fen": 0, "total_expenditure_fen": 500}
PROVINCIAL = {**LOCAL, "pending_step": "province_compiled",
              "awaiting": ["provincial_healthcare_security", "provincial_tax", "provincial_finance"]}


def test_the_bureau_signs_only_a_step_that_waits_for_it():
    assert check_signature(LOCAL, "signed", "", "460100") is LOCAL
    with pytest.raises(BudgetReviewError, match="nothing to sign"):
        check_signature(None, "signed", "", "460100")
    with pytest.raises(BudgetReviewError, match="not the bureau"):
        check_signature({**LOCAL, "awaiting": ["finance"]}, "signed", "", "460100")


def test_the_provincial_step_is_signed_from_a_provincial_region_and_returns_say_why():
    with pytest.raises(BudgetReviewError, match="provincial region code"):
        check_signature(PROVINCIAL, "signed", "", "460100")
    assert check_signature(PROVINCIAL, "signed", "", "460000")
    with pytest.raises(BudgetReviewError, match="must say why"):
        check_signature(LOCAL, "returned", "  ", "460100")


def test_tax_signs_the_provincial_plan_but_not_the_local_review():
    assert tax_check(PROVINCIAL, "signed", "", "460000") == "province_compiled"
    with pytest.raises(ChainSigningError, match="not tax"):
        tax_check(LOCAL, "signed", "", "460100")
    with pytest.raises(ChainSigningError, match="provincial region code"):
        tax_check(PROVINCIAL, "signed", "", "460100")

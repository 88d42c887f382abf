"""Field types shared by the agencies' schemas refuse what their columns cannot hold, by name."""

import pytest
from marshmallow import Schema, ValidationError

from shared.bus.fields import FundYear


class YearRequest(Schema):
    year = FundYear(required=True)


@pytest.mark.parametrize("year", [1999, 2100, 3934879582, -1])
def test_a_fund_year_outside_2000_to_2099_is_refused_naming_the_field(year):
    with pytest.raises(ValidationError) as refused:
        YearRequest().load({"year": year})
    assert refused.value.messages == {"year": ["must be a year from 2000 to 2099"]}


def test_a_fund_year_is_an_integer_not_a_string():
    assert YearRequest().load({"year": 2026}) == {"year": 2026}
    with pytest.raises(ValidationError):
        YearRequest().load({"year": "2026"})

"""Field types and the base class for event payload schemas (marshmallow)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

FEN_MAX = 2**63 - 1  # what a BIGINT column holds


class Fen(fields.Integer):
    """Money in integer fen (分); 1 yuan = 100 fen. Never a float; bounded by a BIGINT column."""

    def __init__(self, *, allow_negative: bool = False, **kwargs):
        kwargs.setdefault("strict", True)
        low = -FEN_MAX if allow_negative else 0
        kwargs.setdefault("validate", validate.Range(min=low, max=FEN_MAX,
                                                     error=f"must be between {low} and {FEN_MAX} fen"))
        super().__init__(**kwargs)
        self.metadata.setdefault("x-unit", "fen")


class FundYear(fields.Integer):
    """A fund year (基金年度) as a request gives it: 2000-2099, what the agencies' year columns and
    calendars hold. Without the bound a 10-digit year reached PostgreSQL and failed as 'integer out
    of range', naming no field."""

    def __init__(self, **kwargs):
        kwargs.setdefault("strict", True)
        kwargs.setdefault("validate", validate.Range(min=2000, max=2099, error="must be a year from 2000 to 2099"))
        super().__init__(**kwargs)


PERIOD_MONTH = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="must be a month as YYYY-MM")
REGION_CODE = validate.Regexp(r"^\d{6}$", error="must be a 6-digit administrative region code")
REGION_LEVEL = validate.OneOf(["province", "city", "county"])
SCHEME = validate.OneOf(["employee", "resident"])


class EventSchema(Schema):
    """A hand-off payload. Subclasses set ``event_type`` = '<producer>.<matter>.<verb>.v<N>'."""

    event_type: str = ""

    class Meta:
        unknown = RAISE
        ordered = True

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

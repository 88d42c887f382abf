"""Outside parties' payloads not in the tax, cases or money flows (marshmallow).

HO-34 data comparison (数据比对): the center asks other departments to match persons
against their registers (002:15, 33; 004:49, 92). hr_social_security (人社) and
civil_affairs (民政) run no fundlink service; they answer with `fundlink party send`.
"""

from __future__ import annotations

import hashlib

from marshmallow import Schema, fields, validate

from shared.bus.fields import EventSchema

MATCH_STATUS = validate.OneOf(["found", "not_found", "deceased", "enrolled_elsewhere", "receiving_benefit"])
# HO-34 messages name persons only by a per-request token, never by their id number (docs/data-comparison.md).
COMPARISON_TOKEN = validate.Regexp(r"^[0-9a-f]{32}$", error="must be a comparison token: 32 lowercase hex digits "
                                   "(comparison_token(request_id, id_number)), never an id number")


def comparison_token(request_id: str, id_number: str) -> str:
    """The pseudonym of one person in one comparison request (数据比对): the first 32 hex digits of
    SHA-256("fundlink-data-comparison-v1", request id, id number). Every department computes it over its own
    register with the request id it was sent, so matches are found without an id number on the bus, and a
    token means nothing in another request."""
    text = f"fundlink-data-comparison-v1\n{request_id}\n{id_number.strip().upper()}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class PersonMatch(Schema):
    """What one register shows for one person."""

    person_id = fields.String(required=True, validate=COMPARISON_TOKEN,
                              metadata={"description": "The person's comparison token from the request."})
    status = fields.String(required=True, validate=MATCH_STATUS)
    detail = fields.String(validate=validate.Length(max=500))
    effective_on = fields.Date()


class _ComparisonResult(EventSchema):
    request_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    results = fields.List(fields.Nested(PersonMatch), required=True)
    returned_at = fields.AwareDateTime(required=True)


class HrSocialSecurityComparisonResult(_ComparisonResult):
    """HO-34: human resources and social security (人社) returns its register match to the center."""

    event_type = "hr_social_security.data_comparison.result_returned.v1"


class CivilAffairsComparisonResult(_ComparisonResult):
    """HO-34: civil affairs (民政) returns its register match (e.g. deaths) to the center."""

    event_type = "civil_affairs.data_comparison.result_returned.v1"


EVENT_SCHEMAS: list = [HrSocialSecurityComparisonResult, CivilAffairsComparisonResult]

"""Outside parties' payloads not in the tax, cases or money flows (marshmallow).

HO-34 data comparison (数据比对): the center asks other departments to match persons
against their registers (002:15, 33; 004:49, 92). hr_social_security (人社) and
civil_affairs (民政) run no fundlink service; they answer with `fundlink party send`.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.bus.fields import EventSchema

MATCH_STATUS = validate.OneOf(["found", "not_found", "deceased", "enrolled_elsewhere", "receiving_benefit"])


class PersonMatch(Schema):
    """What one register shows for one person."""

    person_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
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

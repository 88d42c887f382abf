"""Small stand-ins for a producer's schema and a service, so these tests do not depend on any service's code."""

from __future__ import annotations

from marshmallow import fields, validate

from shared.bus.fields import EventSchema
from shared.bus.runtime import AgencyService, http

FEED = "fundlink.tax.collection.feed_published.v1"


class Feed(EventSchema):
    """A published v1 payload."""

    event_type = "tax.collection.feed_published.v1"
    feed_id = fields.String(required=True)
    period = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-\d{2}$"))
    scheme = fields.String(required=True, validate=validate.OneOf(["employee", "resident"]))
    amount_fen = fields.Integer(required=True, strict=True)
    note = fields.String()


class FeedWithOptionalField(Feed):
    """Compatible: a new optional field."""

    remark = fields.String()


class FeedWithoutNote(Feed):
    """Breaking: a property removed."""

    class Meta(Feed.Meta):
        exclude = ("note",)


class FeedWithTextAmount(Feed):
    """Breaking: a type changed."""

    amount_fen = fields.String(required=True)


class FeedRequiringNote(Feed):
    """Breaking: an optional field becomes required."""

    note = fields.String(required=True)


class FeedWithFewerSchemes(Feed):
    """Breaking: an enum narrowed."""

    scheme = fields.String(required=True, validate=validate.OneOf(["employee"]))


class ThingError(Exception):
    pass


class ThingService(AgencyService):
    name = "tax"
    agency = "tax"

    @http("POST", "/things", request_schema=Feed, expected_exceptions=(ThingError,))
    def make_thing(self, request):
        """Make a thing."""

    @http("GET", "/things/<thing_id>")
    def get_thing(self, request, thing_id):
        """Read a thing."""

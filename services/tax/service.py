"""Tax's nameko service: thin entrypoints; the rules are in domain.py."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.bus.runtime import AgencyService, handles, http
from shared.http import NotFound, json_body

from . import domain, models, schemas


class TaxService(AgencyService):
    name = "tax"
    agency = "tax"
    metadata = models.Base.metadata

    @http("POST", "/feeds", request_schema=schemas.FeedRequest, expected_exceptions=(domain.FeedError,))
    def publish_feed(self, request):
        """HO-01: store the month's feed and publish it to the center, in one transaction."""
        now = datetime.now(UTC)
        feed = schemas.FeedRequest().load(json_body(request))
        feed.setdefault("generated_at", now)
        lines = [domain.SchemeTotals(**line) for line in feed["lines"]]
        deadline = domain.check_feed(feed["period"], lines, now)
        payload = schemas.CollectionFeedPublished().dump(feed)
        if self.db.session.get(models.CollectionFeed, feed["feed_id"]) is not None:
            return 200, {"feed_id": feed["feed_id"], "status": "already_published"}
        self.db.session.add(models.CollectionFeed(
            feed_id=feed["feed_id"], region_code=feed["region_code"], region_level=feed["region_level"],
            period=feed["period"], lines=payload["lines"], status="published", due_at=deadline.due_at,
            published_at=now,
        ))
        event_id = self.db.publish(schemas.CollectionFeedPublished, payload, subject=feed["feed_id"],
                                   correlation_id=feed["feed_id"], region=feed["region_code"])
        return 202, {"feed_id": feed["feed_id"], "event_id": event_id, "status": "published",
                     "deadline": deadline.as_dict(), "late": deadline.is_overdue(now)}

    @http("GET", "/feeds/<feed_id>")
    def get_feed(self, request, feed_id):
        feed = self.db.session.get(models.CollectionFeed, feed_id)
        if feed is None:
            raise NotFound(f"no feed {feed_id!r} at tax")
        return {"feed_id": feed.feed_id, "period": feed.period, "region_code": feed.region_code,
                "status": feed.status, "due_at": feed.due_at.isoformat(), "reconciliation": feed.reconciliation}

    @handles("fundlink.hs_center.collection.reconciled.v1")
    def on_reconciled(self, event):
        """HO-02: the center's reconciliation of one of our feeds."""
        data = event.data
        feed = self.db.session.get(models.CollectionFeed, data["feed_id"])
        if feed is None:
            raise NotFound(f"reconciliation for unknown feed {data['feed_id']!r}")
        feed.status = domain.reconciliation_status(data["status"])
        feed.reconciliation = data

"""The handling center's nameko service: thin entrypoints; rules in domain.py."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from shared.bus.runtime import AgencyService, handles, http
from shared.calendar import china_calendar
from shared.http import NotFound, json_body

from . import domain, models, schemas
from .money import MoneyEntrypoints


class HsCenterService(AgencyService, MoneyEntrypoints):
    name = "hs_center"
    agency = "hs_center"
    metadata = models.Base.metadata

    @http("POST", "/registry", request_schema=schemas.RegistryLoad)
    def load_registry(self, request):
        """Enrollment registry entries (参保登记); the same payer and scheme is replaced."""
        entries = schemas.RegistryLoad().load(json_body(request))["entries"]
        for entry in entries:
            self.db.session.merge(models.RegistryEntry(**entry))
        return 200, {"loaded": len(entries)}

    @http("GET", "/feeds/<feed_id>")
    def get_feed(self, request, feed_id):
        feed = self.db.session.get(models.ReceivedFeed, feed_id)
        if feed is None:
            raise NotFound(f"no feed {feed_id!r} has reached the center")
        return {"feed_id": feed.feed_id, "period": feed.period, "status": feed.status,
                "received_at": feed.received_at.isoformat(), "reply_due_at": feed.reply_due_at.isoformat(),
                "reconciliation": feed.reconciliation}

    @handles("fundlink.tax.collection.feed_published.v1")
    def on_feed_published(self, event):
        """HO-01 in, HO-02 out: reconcile the feed with the registry and answer tax."""
        data = event.data
        now = datetime.now(UTC)
        expected = self._expected(data["region_code"])
        collected = [domain.Collected(line["scheme"], line["insured_person_count"], line["amount_collected_fen"],
                                      line["refunds_fen"], line["arrears_fen"]) for line in data["lines"]]
        result = domain.reconcile(expected, collected)
        answer = {
            "feed_id": data["feed_id"], "period": data["period"], "status": result.status,
            "registered_insured_count": result.registered_insured_count,
            "paid_insured_count": result.paid_insured_count, "difference_fen": result.difference_fen,
            "discrepancies": [d.__dict__ for d in result.discrepancies],
        }
        self.db.session.merge(models.ReceivedFeed(
            feed_id=data["feed_id"], region_code=data["region_code"], period=data["period"], lines=data["lines"],
            received_at=now, reply_due_at=domain.reply_deadline(now, china_calendar()).due_at,
            status=result.status, reconciliation=answer,
        ))
        self.db.publish(schemas.CollectionReconciled, answer, subject=data["feed_id"],
                        correlation_id=event.correlationid, region=event.region)

    def _expected(self, region_code: str) -> list[domain.Expected]:
        R = models.RegistryEntry
        rows = self.db.session.execute(
            select(R.scheme, func.sum(R.insured_person_count), func.sum(R.monthly_due_fen))
            .where(R.region_code == region_code).group_by(R.scheme)
        ).all()
        return [domain.Expected(scheme, int(count), int(due)) for scheme, count, due in rows]

"""health_commission's nameko service: thin entrypoints; the rules are in domain.py.

Clock seam: "now" comes from :meth:`HealthCommissionService.clock` (wall clock, UTC); tests subclass and override it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from shared.bus.runtime import AgencyService, handles, http
from shared.calendar import china_calendar
from shared.deadlines import Deadline
from shared.http import NotFound, json_body

from . import domain, models, schemas
from .service_item_entrypoints import ServiceItemEntrypoints


class HealthCommissionService(AgencyService, ServiceItemEntrypoints):
    name = "health_commission"
    agency = "health_commission"
    metadata = models.Base.metadata

    def clock(self) -> datetime:
        return datetime.now(UTC)

    @handles("fundlink.healthcare_security.referral.sent_to_health_commission.v1")
    def on_referral(self, event):
        """HO-27 in: keep the referral; the first report back is due within 5 working days."""
        d = event.data
        if self.db.session.get(models.ReferralRecord, d["referral_id"]) is None:
            r = domain.receive_referral(d["referral_id"], d["subject_id"], d["matter"], self.clock(), china_calendar())
            self.db.session.add(models.ReferralRecord(
                referral_id=r.referral_id, region_code=event.region, referral=d, received_at=r.received_at,
                first_report_due=r.first_report_due.as_dict(), reports=[]))

    @http("POST", "/referrals/<referral_id>/outcome", expected_exceptions=(domain.DomainError,))
    def report_outcome(self, request, referral_id):
        """HO-29 out: pending acknowledges; any other outcome closes the referral."""
        b, row, now = schemas.OutcomeRequest().load(json_body(request)), self._row(referral_id), self.clock()
        referral = domain.report_outcome(_referral(row), b["outcome"], now)
        payload = {**b, "referral_id": referral_id, "reported_at": now.isoformat(),
                   **({"decided_at": referral.decided_at.isoformat()} if referral.decided_at else {})}
        row.outcome, row.decided_at, row.reports = referral.outcome, referral.decided_at, [*row.reports, payload]
        self.db.publish(schemas.HealthCommissionOutcome, payload, subject=referral_id, correlation_id=referral_id,
                        region=row.region_code)
        return 202, {"referral_id": referral_id, "outcome": referral.outcome, "reports": row.reports}

    @http("GET", "/referrals/<referral_id>")
    def show_referral(self, request, referral_id):
        row = self._row(referral_id)
        return {"referral_id": referral_id, "referral": row.referral, "received_at": row.received_at.isoformat(),
                "first_report_due": row.first_report_due, "outcome": row.outcome, "reports": row.reports}

    def watch_deadlines(self, now: datetime) -> None:
        rows = self.db.session.scalars(select(models.ReferralRecord).where(models.ReferralRecord.outcome.is_(None)))
        dues = [Deadline.from_dict(r.first_report_due) for r in rows]
        metrics = self.db.runtime.metrics
        metrics.deadlines_open.labels(self.agency, domain.FIRST_REPORT).set(len(dues))
        metrics.deadlines_overdue.labels(self.agency, domain.FIRST_REPORT).set(sum(d.is_overdue(now) for d in dues))

    def _row(self, referral_id: str) -> models.ReferralRecord:
        row = self.db.session.get(models.ReferralRecord, referral_id, with_for_update=True)
        if row is None:
            raise NotFound(f"no referral {referral_id!r} has reached health_commission")
        return row


def _referral(row: models.ReferralRecord) -> domain.ReceivedReferral:
    return domain.ReceivedReferral(row.referral_id, row.referral["subject_id"], row.referral["matter"],
                                   row.received_at, Deadline.from_dict(row.first_report_due), row.outcome,
                                   row.decided_at)

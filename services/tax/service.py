"""Tax's nameko service: thin entrypoints; the rules are in domain.py."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from shared.bus.runtime import AgencyService, handles, http
from shared.http import NotFound, json_body

from . import domain, models, schemas
from .chain_signing import ChainSigningEntrypoints
from .comparison_entrypoints import ComparisonEntrypoints
from .employer_violations import EmployerViolationEntrypoints
from .notices import BudgetNoticeEntrypoints


class TaxService(AgencyService, ChainSigningEntrypoints, ComparisonEntrypoints, BudgetNoticeEntrypoints,
                 EmployerViolationEntrypoints):
    name = "tax"
    agency = "tax"
    metadata = models.Base.metadata

    def clock(self) -> datetime:
        """Now; tests put the service on a fixed day."""
        return datetime.now(UTC)

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

    @http("GET", "/discrepancies/<discrepancy_id>")
    def get_discrepancies(self, request, discrepancy_id):
        parts = self._report(discrepancy_id)
        return {"discrepancy_id": discrepancy_id, "feed_id": parts[0].feed_id, "parts": parts[0].parts,
                "received_parts": len(parts), "items": [i for p in parts for i in p.items],
                "correction_id": parts[0].correction_id}

    @http("POST", "/discrepancies/<discrepancy_id>/corrections", request_schema=schemas.CorrectionRequest,
          expected_exceptions=(domain.CorrectionError,))
    def correct_feed(self, request, discrepancy_id):
        """HO-03 reply: tax's answer per item, and restated figures where they changed."""
        body, parts = schemas.CorrectionRequest().load(json_body(request)), self._report(discrepancy_id)
        domain.check_correction({i["item_id"] for p in parts for i in p.items}, body["resolutions"], body.get("lines"))
        event = self._correction(discrepancy_id, parts, body)
        self.db.publish(schemas.FeedCorrected, event, subject=parts[0].feed_id, correlation_id=parts[0].feed_id,
                        region=parts[0].region_code)
        return 202, {"correction_id": body["correction_id"], "feed_id": parts[0].feed_id, "status": "sent"}

    @handles("fundlink.hs_center.collection.reconciled.v1")
    def on_reconciled(self, event):
        """HO-02: the center's answer on one of our feeds, including gaps and refusals."""
        data = event.data
        if data["status"] == "overdue":  # how a v1 center raised a missing feed, before feed_overdue
            return self._record_overdue(data)
        feed = self.db.session.get(models.CollectionFeed, data["feed_id"])
        if feed is None and not domain.answers_a_pushed_feed(data):
            raise NotFound(f"reconciliation for unknown feed {data['feed_id']!r}")
        feed = feed or self._pushed_feed(data)
        feed.status = domain.reconciliation_status(data["status"])
        feed.reconciliation = data

    @handles("fundlink.hs_center.collection.feed_overdue.v1")
    def on_feed_overdue(self, event):
        """HO-01 late: the center has no complete feed from a region for a month by the 5th."""
        self._record_overdue(event.data)

    @handles("fundlink.hs_center.collection.discrepancy_reported.v1")
    def on_discrepancy_reported(self, event):
        """HO-03: keep the report for tax's answer; refer the bureau's matters to it (HO-35)."""
        data = event.data
        self.db.session.merge(models.DiscrepancyReport(
            discrepancy_id=data["discrepancy_id"], part=data["part"], parts=data["parts"], feed_id=data["feed_id"],
            region_code=data["region_code"], period=data["period"], items=data["items"],
            reported_at=datetime.fromisoformat(data["reported_at"])))
        for referral in domain.referrals(data["discrepancy_id"], data["feed_id"], data["items"]):
            self._refer(referral, data)

    @handles("fundlink.hs_center.enrollment.registered.v1")
    def on_enrollment_registered(self, event):
        """HO-04: collect where the insurance relationship is registered, and say so."""
        data = event.data
        known = self.db.session.execute(select(models.Enrollment).where(
            models.Enrollment.payer_id == data["payer_id"], models.Enrollment.scheme == data["scheme"])).first()
        status, reason = domain.enrollment_answer(data["change_type"], known is not None)
        self._record_enrollment(data, status)
        answer = {"registration_id": data["registration_id"], "payer_id": data["payer_id"], "status": status,
                  "acknowledged_at": datetime.now(UTC).isoformat(), **({"reason": reason} if reason else {})}
        self.db.publish(schemas.EnrollmentAcknowledged, answer, subject=data["registration_id"],
                        correlation_id=event.correlationid, region=event.region)

    @handles("fundlink.treasury.revenue.monthly_report_published.v1")
    def on_treasury_report(self, event):
        """HO-05: the treasury's receipts for a month, beside what tax reported as collected."""
        data = event.data
        feeds = self.db.session.execute(select(models.CollectionFeed).where(
            models.CollectionFeed.region_code == data["region_code"],
            models.CollectionFeed.period == data["period"])).scalars().all()
        feed_lines = [line for feed in feeds for line in (feed.lines or [])]
        self.db.session.merge(models.TreasuryReport(
            report_id=data["report_id"], treasury_code=data["treasury_code"], region_code=data["region_code"],
            period=data["period"], lines=data["lines"], received_at=datetime.now(UTC),
            comparison=domain.treasury_differences(data["lines"], feed_lines)))

    @http("GET", "/treasury-reports/<report_id>")
    def get_treasury_report(self, request, report_id):
        report = self.db.session.get(models.TreasuryReport, report_id)
        if report is None:
            raise NotFound(f"no treasury report {report_id!r} at tax")
        return {"report_id": report.report_id, "period": report.period, "comparison": report.comparison,
                "due": domain.treasury_report_deadline(report.period).as_dict()}

    # -- steps behind the entrypoints -----------------------------------------------------------
    def _record_overdue(self, data):
        self.db.session.merge(models.OverdueNotice(region_code=data["region_code"], period=data["period"],
                                                   due_at=datetime.fromisoformat(data["due_at"]),
                                                   reason=data.get("reason", "")))

    def _pushed_feed(self, data):
        """A feed pushed by tax's own systems (fundlink tax push): tax learns of it from the answer."""
        feed = models.CollectionFeed(
            feed_id=data["feed_id"], region_code=data["region_code"], period=data["period"],
            lines=data.get("lines", []), due_at=domain.feed_deadline(data["period"]).due_at,
            published_at=datetime.now(UTC))
        self.db.session.add(feed)
        return feed

    def _report(self, discrepancy_id):
        parts = self.db.session.execute(select(models.DiscrepancyReport).where(
            models.DiscrepancyReport.discrepancy_id == discrepancy_id)
            .order_by(models.DiscrepancyReport.part)).scalars().all()
        if not parts:
            raise NotFound(f"no discrepancy report {discrepancy_id!r} at tax")
        return parts

    def _correction(self, discrepancy_id, parts, body):
        for part in parts:
            part.correction_id = body["correction_id"]
        event = {"correction_id": body["correction_id"], "feed_id": parts[0].feed_id,
                 "discrepancy_id": discrepancy_id, "region_code": parts[0].region_code, "period": parts[0].period,
                 "resolutions": body["resolutions"], "corrected_at": datetime.now(UTC).isoformat()}
        return {**event, **({"lines": body["lines"]} if body.get("lines") else {})}

    def _refer(self, referral, data):
        if self.db.session.get(models.EmployerReferral, referral.referral_id) is not None:
            return
        now = datetime.now(UTC)
        self.db.session.add(models.EmployerReferral(referral_id=referral.referral_id,
                                                    employer_id=referral.employer_id, feed_id=data["feed_id"],
                                                    referred_at=now))
        # The feed carries no employer names; the credit code stands in until tax's register adds one.
        self.db.publish(schemas.EmployerViolationReferred, {
            "referral_id": referral.referral_id, "region_code": data["region_code"],
            "employer_id": referral.employer_id, "employer_name": referral.employer_id, "kind": referral.kind,
            "facts": referral.facts, "amount_due_fen": referral.amount_fen, "referred_at": now.isoformat(),
        }, subject=referral.referral_id, correlation_id=data["feed_id"], region=data["region_code"])

    def _record_enrollment(self, data, status):
        self.db.session.merge(models.Enrollment(
            registration_id=data["registration_id"], payer_id=data["payer_id"], scheme=data["scheme"],
            region_code=data["region_code"], change_type=data["change_type"],
            insured_person_count=data["insured_person_count"],
            effective_from=datetime.fromisoformat(data["effective_from"]).date(), status=status))

"""Referrals the bureau sends to a regulator (HO-27 health commission, HO-28 market regulation) and the
outcome each owes back (HO-29), written once for both regulators.

Rules (pure): the first report is due within 5 working days of receipt (fundlink design, HO-29); ``pending``
acknowledges receipt; ``penalised``, ``no_violation`` or ``transferred`` closes the referral, once.

A regulator keeps referrals in a table of its own (:class:`ReferralColumns` on its ``Base``) and mixes in the
class :func:`referral_entrypoints` makes from its referral event type and its outcome event schema. That schema
subclasses :class:`ReferralOutcomeReported`, naming only its own event type; the HTTP body is
:class:`OutcomeRequest`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from marshmallow import Schema, fields, validate
from sqlalchemy import JSON, DateTime, String, select
from sqlalchemy.orm import Mapped, mapped_column

from shared.bus.fields import EventSchema
from shared.bus.runtime import handles, http
from shared.calendar import WorkingCalendar, china_calendar
from shared.deadlines import Deadline, working_days
from shared.http import NotFound, json_body

FIRST_REPORT = "referral_first_report"  # 5 working days from receipt (design)
OUTCOMES = ("pending", "penalised", "no_violation", "transferred")


class DomainError(Exception):
    """A rule of the referral was broken; the message says what to do instead."""


class ReferralClosed(DomainError):
    """The referral already has its final outcome."""


@dataclass(frozen=True)
class ReceivedReferral:
    referral_id: str
    subject_id: str
    matter: str
    received_at: datetime
    first_report_due: Deadline
    outcome: str | None = None
    decided_at: datetime | None = None

    @property
    def closed(self) -> bool:
        return self.outcome not in (None, "pending")


def receive_referral(referral_id: str, subject_id: str, matter: str, now: datetime,
                     cal: WorkingCalendar) -> ReceivedReferral:
    due = working_days(now, 5, cal)
    due = dataclasses.replace(due, rule=f"first outcome report within 5 working days (design, HO-29): {due.rule}")
    return ReceivedReferral(referral_id, subject_id, matter, now, due)


def report_outcome(referral: ReceivedReferral, outcome: str, now: datetime) -> ReceivedReferral:
    """Record the report to send back: ``decided_at`` is set when the outcome closes the referral."""
    if outcome not in OUTCOMES:
        raise DomainError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
    if referral.closed:
        raise ReferralClosed(f"referral {referral.referral_id} was closed as {referral.outcome}; it is reported once")
    return dataclasses.replace(referral, outcome=outcome, decided_at=None if outcome == "pending" else now)


# -- the payloads (marshmallow): the same fields for both regulators ----------------------------------------
class OutcomeRequest(Schema):
    """The officer's body for ``POST /referrals/<id>/outcome`` (HO-29 out)."""

    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    outcome_summary = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    decision_reference = fields.String(validate=validate.Length(min=1, max=64))


class ReferralOutcomeReported(EventSchema):
    """HO-29 处理结果反馈: the fields of a regulator's outcome report. Each regulator subclasses it with its
    own ``event_type`` and docstring (the docstring is the contract's description)."""

    referral_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    outcome_summary = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    decision_reference = fields.String(validate=validate.Length(min=1, max=64))
    decided_at = fields.AwareDateTime()
    reported_at = fields.AwareDateTime(required=True)


# -- the regulator's side, on its own table ----------------------------------------------------------------
class ReferralColumns:
    """A referral from the 医保局 and the outcome reported back (HO-29)."""

    __tablename__ = "received_referral"

    referral_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6))
    referral: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    first_report_due: Mapped[dict] = mapped_column(JSON)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reports: Mapped[list] = mapped_column(JSON, default=list)


def _referral(row: ReferralColumns) -> ReceivedReferral:
    return ReceivedReferral(row.referral_id, row.referral["subject_id"], row.referral["matter"], row.received_at,
                            Deadline.from_dict(row.first_report_due), row.outcome, row.decided_at)


def referral_entrypoints(referral_type: str, record: type[ReferralColumns], outcome: type,
                         outcome_request: type) -> type:
    """The regulator's entrypoints: keep ``referral_type`` referrals in ``record``, answer them with
    ``outcome`` events (``POST /referrals/<id>/outcome``, body ``outcome_request``), show them, and count
    their first-report deadlines. The service provides ``agency``, ``db`` and ``clock``."""

    class ReferralEntrypoints:
        @handles(referral_type)
        def on_referral(self, event):
            """Keep the referral; the first report back is due within 5 working days."""
            d = event.data
            if self.db.session.get(record, d["referral_id"]) is None:
                r = receive_referral(d["referral_id"], d["subject_id"], d["matter"], self.clock(), china_calendar())
                self.db.session.add(record(
                    referral_id=r.referral_id, region_code=event.region, referral=d, received_at=r.received_at,
                    first_report_due=r.first_report_due.as_dict(), reports=[]))

        @http("POST", "/referrals/<referral_id>/outcome", expected_exceptions=(DomainError,))
        def report_outcome(self, request, referral_id):
            """HO-29 out: pending acknowledges; any other outcome closes the referral."""
            b, row, now = outcome_request().load(json_body(request)), self._referral_row(referral_id), self.clock()
            referral = report_outcome(_referral(row), b["outcome"], now)
            payload = {**b, "referral_id": referral_id, "reported_at": now.isoformat(),
                       **({"decided_at": referral.decided_at.isoformat()} if referral.decided_at else {})}
            row.outcome, row.decided_at, row.reports = referral.outcome, referral.decided_at, [*row.reports, payload]
            self.db.publish(outcome, payload, subject=referral_id, correlation_id=referral_id,
                            region=row.region_code)
            return 202, {"referral_id": referral_id, "outcome": referral.outcome, "reports": row.reports}

        @http("GET", "/referrals/<referral_id>")
        def show_referral(self, request, referral_id):
            row = self._referral_row(referral_id)
            return {"referral_id": referral_id, "referral": row.referral, "received_at": row.received_at.isoformat(),
                    "first_report_due": row.first_report_due, "outcome": row.outcome, "reports": row.reports}

        def watch_referrals(self, now: datetime) -> None:
            """The first-report clocks of open referrals, as gauges (the service calls it from watch_deadlines)."""
            rows = self.db.session.scalars(select(record).where(record.outcome.is_(None)))
            dues = [Deadline.from_dict(r.first_report_due) for r in rows]
            metrics = self.db.runtime.metrics
            metrics.deadlines_open.labels(self.agency, FIRST_REPORT).set(len(dues))
            metrics.deadlines_overdue.labels(self.agency, FIRST_REPORT).set(sum(d.is_overdue(now) for d in dues))

        def _referral_row(self, referral_id: str) -> ReferralColumns:
            row = self.db.session.get(record, referral_id, with_for_update=True)
            if row is None:
                raise NotFound(f"no referral {referral_id!r} has reached {self.agency}")
            return row

    return ReferralEntrypoints

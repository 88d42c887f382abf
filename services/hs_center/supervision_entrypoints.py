"""HO-36: supervision reports served on the center and its written opinion. Mixed into HsCenterService, which
provides ``clock`` and ``db``; rules in oversight.py.

The 10 days run from receipt (000:244). The center's view shows the due date; the watch moves a report left
without an opinion to ``deemed_no_objection``, logs one alert and counts it in the deadline gauges.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from shared.bus.runtime import handles, http
from shared.calendar import CalendarNotCovered, china_calendar
from shared.deadlines import SHANGHAI, Deadline
from shared.http import NotFound, json_body

from . import oversight, schemas
from . import oversight_models as om

log = logging.getLogger(__name__)
ERRORS = (oversight.OversightError, CalendarNotCovered)


class OpinionRequest(Schema):
    """POST /supervision-reports/<report_id>/opinion: the center's written opinion (书面意见)."""

    position = fields.String(required=True, validate=validate.OneOf(["agree", "objection"]))
    opinion = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    disputed_findings = fields.List(fields.String(validate=validate.Length(min=1, max=64)), load_default=list)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def report_view(row: om.SupervisionReportServed, now: datetime) -> dict:
    deadline = Deadline.from_dict(row.deadline)
    state = oversight.report_state(deadline, now, row.submitted_at is not None)
    view = {"report_id": row.report_id, "supervision_id": row.supervision_id,
            "supervised_unit": row.supervised_unit, "region_code": row.region_code, "findings": row.findings,
            "served_at": _aware(row.served_at).isoformat(), "received_at": _aware(row.received_at).isoformat(),
            "state": state, "opinion_due": deadline.as_dict(), "due_date": deadline.due_date.isoformat(),
            "overdue": state == oversight.DEEMED,
            "overdue_alerted_at": row.overdue_alerted_at and _aware(row.overdue_alerted_at).isoformat()}
    if row.opinion is not None:
        view["opinion"] = row.opinion
    if state == oversight.AWAITING:
        view["days_left"] = (deadline.due_date - now.astimezone(SHANGHAI).date()).days
    return view


class SupervisionEntrypoints:
    """HO-36: the report in, the opinion out, silence deemed no objection."""

    def _supervision_report(self, report_id: str, *, lock: bool = False) -> om.SupervisionReportServed:
        row = self.db.session.get(om.SupervisionReportServed, report_id, with_for_update=lock)
        if row is None:
            raise NotFound(f"no supervision report {report_id!r} has been served on the center")
        return row

    @handles("fundlink.healthcare_security.supervision.report_issued.v1")
    def on_supervision_report_issued(self, event):
        """The report is served: its 10 days start at receipt. A repeated delivery changes nothing."""
        d, now = event.data, self.clock()
        if self.db.session.get(om.SupervisionReportServed, d["report_id"]) is not None:
            return
        served = datetime.fromisoformat(d["served_at"])
        received = oversight.received_at(served, now)
        deadline = oversight.opinion_deadline(received, china_calendar())
        self.db.session.add(om.SupervisionReportServed(
            report_id=d["report_id"], supervision_id=d["supervision_id"], supervised_unit=d["supervised_unit"],
            region_code=d["region_code"], findings=d["findings"], served_at=served, received_at=received,
            deadline=deadline.as_dict(), due_at=deadline.due_at, state=oversight.AWAITING))
        self.db.session.flush()

    @http("GET", "/supervision-reports")
    def list_supervision_reports(self, request):
        """``?state=awaiting_opinion|opinion_submitted|deemed_no_objection``; soonest due first."""
        now = self.clock()
        rows = self.db.session.scalars(select(om.SupervisionReportServed).order_by(
            om.SupervisionReportServed.due_at, om.SupervisionReportServed.report_id))
        views = [report_view(r, now) for r in rows]
        wanted = request.args.get("state")
        return {"reports": [v for v in views if not wanted or v["state"] == wanted]}

    @http("GET", "/supervision-reports/<report_id>")
    def get_supervision_report(self, request, report_id):
        return report_view(self._supervision_report(report_id), self.clock())

    @http("POST", "/supervision-reports/<report_id>/opinion", request_schema=OpinionRequest,
          expected_exceptions=ERRORS)
    def submit_supervision_opinion(self, request, report_id):
        """HO-36 reply: the written opinion, once, within the 10 days."""
        body = OpinionRequest().load(json_body(request))
        row, now = self._supervision_report(report_id, lock=True), self.clock()
        deadline = Deadline.from_dict(row.deadline)
        state = oversight.report_state(deadline, now, row.submitted_at is not None)
        disputed = oversight.check_opinion(report_id, state, deadline, now, [f["finding_id"] for f in row.findings],
                                           body["position"], body["opinion"], body["disputed_findings"])
        payload = {"report_id": report_id, "report_received_at": _aware(row.received_at), "position":
                   body["position"], "opinion": body["opinion"].strip(), "submitted_at": now,
                   **({"disputed_findings": list(disputed)} if disputed else {})}
        row.state, row.submitted_at = oversight.SUBMITTED, now
        row.opinion = schemas.SupervisionOpinionSubmitted().dump(payload)
        self.db.publish(schemas.SupervisionOpinionSubmitted, payload, subject=report_id, correlation_id=report_id,
                        region=row.region_code)
        return 202, report_view(row, now)

    def watch_supervision_opinions(self, now: datetime) -> None:
        """Called from the service's ``watch_deadlines``: silence past the 10 days is no objection; one alert."""
        open_ = overdue = 0
        rows = select(om.SupervisionReportServed).where(
            om.SupervisionReportServed.state != oversight.SUBMITTED).with_for_update()
        for row in self.db.session.scalars(rows):
            deadline = Deadline.from_dict(row.deadline)
            if not deadline.is_overdue(now):
                open_ += 1
                continue
            overdue += 1
            row.state = oversight.DEEMED
            if row.overdue_alerted_at is None:
                row.overdue_alerted_at = now
                log.error("supervision report %s: no written opinion by %s (%s); the center is deemed to have no "
                          "objection", row.report_id, deadline.due_at.astimezone(SHANGHAI).isoformat(), deadline.rule)
        metrics = self.db.runtime.metrics
        metrics.deadlines_open.labels(self.agency, oversight.SUPERVISION_OPINION).set(open_)
        metrics.deadlines_overdue.labels(self.agency, oversight.SUPERVISION_OPINION).set(overdue)

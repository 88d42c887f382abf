"""On-site supervision report and its opinion window (HO-36, §4.3); enforcement supervision (HO-42, §4.11)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from shared.calendar import WorkingCalendar
from shared.deadlines import SHANGHAI, Deadline, calendar_days

from ._base import IllegalTransition, InvalidRequest, WindowClosed, aware, required_text
from .events import (
    EnforcementComplied,
    EnforcementNoticeIssued,
    EnforcementReviewDecided,
    EnforcementReviewRequested,
    SupervisionDeemedNoObjection,
    SupervisionReportIssued,
)

OPINION = "written_opinion"  # 10 days from receipt of the report (000:244)
REVIEW_REQUEST = "review_request"  # 10 days from receipt of the notice (001:393)
REVIEW_DECISION = "review_decision"  # 15 days from the request (001:393)


class OpinionWindowClosed(WindowClosed):
    """The 10-day window for a written opinion has passed: silence counts as no objection."""


class ReviewWindowClosed(WindowClosed):
    """The 10-day window to ask for review has passed: the enforcement-supervision decision stands."""


def _with_basis(d: Deadline, basis: str) -> Deadline:
    return dataclasses.replace(d, rule=f"{basis}: {d.rule}")


def _texts(values: Iterable[str], what: str) -> tuple[str, ...]:
    items = tuple(v.strip() for v in values if v and v.strip())
    if not items:
        raise InvalidRequest(f"{what}: list at least one")
    return items


# --- HO-36 supervision report ----------------------------------------------------------------------------


class SupervisionState(StrEnum):
    AWAITING_OPINION = "awaiting_opinion"
    OPINION_RECEIVED = "opinion_received"
    DEEMED_NO_OBJECTION = "deemed_no_objection"


@dataclass(frozen=True)
class SupervisionReport:
    report_id: str
    supervised_unit: str
    findings: tuple[str, ...]
    received_at: datetime
    opinion_due: Deadline
    state: SupervisionState = SupervisionState.AWAITING_OPINION
    opinion: str | None = None
    settled_at: datetime | None = None

    @property
    def ref_id(self) -> str:
        return self.report_id

    @property
    def deadlines(self) -> tuple[tuple[str, Deadline], ...]:
        return ((OPINION, self.opinion_due),) if self.state is SupervisionState.AWAITING_OPINION else ()


def issue_supervision_report(
    report_id: str,
    supervised_unit: str,
    findings: Iterable[str],
    received_at: datetime,
    cal: WorkingCalendar,
) -> tuple[SupervisionReport, list]:
    """The supervised unit received the report at ``received_at``; its 10 calendar days start then (a rest-day
    last day rolls, §11 item 10)."""
    due = _with_basis(
        calendar_days(received_at, 10, cal),
        "written opinion within 10 days; silence = no objection (000:244)",
    )
    report = SupervisionReport(
        required_text(report_id, "report_id"),
        required_text(supervised_unit, "supervised_unit"),
        _texts(findings, "findings"),
        aware(received_at, "received_at"),
        due,
    )
    event = SupervisionReportIssued(
        report.report_id, report.supervised_unit, report.findings, report.received_at, due.due_at
    )
    return report, [event]


def record_opinion(report: SupervisionReport, opinion: str, now: datetime) -> tuple[SupervisionReport, list]:
    if report.state is not SupervisionState.AWAITING_OPINION:
        raise IllegalTransition(
            f"supervision report {report.report_id} is {report.state.value}: no opinion is awaited"
        )
    if report.opinion_due.is_overdue(now):
        raise OpinionWindowClosed(
            f"supervision report {report.report_id}: the opinion window closed at "
            f"{report.opinion_due.due_at.isoformat()}; the unit is deemed to have no objection"
        )
    text = required_text(opinion, "opinion")
    return dataclasses.replace(
        report, state=SupervisionState.OPINION_RECEIVED, opinion=text, settled_at=aware(now)
    ), []


def apply_silence(report: SupervisionReport, now: datetime) -> tuple[SupervisionReport, list]:
    """Timer transition: once the window has passed without an opinion, the unit has no objection."""
    if report.state is not SupervisionState.AWAITING_OPINION or not report.opinion_due.is_overdue(now):
        return report, []
    event = SupervisionDeemedNoObjection(
        report.report_id, report.supervised_unit, report.opinion_due.due_at, aware(now)
    )
    return dataclasses.replace(report, state=SupervisionState.DEEMED_NO_OBJECTION, settled_at=aware(now)), [
        event
    ]


# --- HO-42 enforcement supervision -----------------------------------------------------------------------


class EnforcementState(StrEnum):
    NOTICE_ISSUED = "notice_issued"
    REVIEW_REQUESTED = "review_requested"
    REVIEW_DECIDED = "review_decided"
    COMPLIED = "complied"


REVIEW_DECISIONS = ("upheld", "varied", "revoked")


@dataclass(frozen=True)
class EnforcementSupervision:
    notice_id: str
    lower_unit: str
    defects: tuple[str, ...]
    correct_by: date
    received_at: datetime
    review_request_due: Deadline
    state: EnforcementState = EnforcementState.NOTICE_ISSUED
    review_decision_due: Deadline | None = None
    decision: str | None = None

    @property
    def ref_id(self) -> str:
        return self.notice_id

    @property
    def deadlines(self) -> tuple[tuple[str, Deadline], ...]:
        if self.state is EnforcementState.NOTICE_ISSUED:
            return ((REVIEW_REQUEST, self.review_request_due),)
        if self.state is EnforcementState.REVIEW_REQUESTED and self.review_decision_due is not None:
            return ((REVIEW_DECISION, self.review_decision_due),)
        return ()


def issue_enforcement_notice(
    notice_id: str,
    lower_unit: str,
    defects: Iterable[str],
    correct_by: date,
    received_at: datetime,
    cal: WorkingCalendar,
) -> tuple[EnforcementSupervision, list]:
    due = review_request_deadline(received_at, cal)
    es = EnforcementSupervision(
        required_text(notice_id, "notice_id"),
        required_text(lower_unit, "lower_unit"),
        _texts(defects, "defects"),
        correct_by,
        aware(received_at, "received_at"),
        due,
    )
    return es, [EnforcementNoticeIssued(es.notice_id, es.lower_unit, es.defects, correct_by, es.received_at)]


def send_enforcement_notice(
    notice_id: str,
    issuing_unit: str,
    lower_unit: str,
    defects: Iterable[str],
    correct_by: date,
    now: datetime,
    cal: WorkingCalendar,
) -> tuple[EnforcementSupervision, list]:
    """The upper bureau issues the notice (HO-42). Its copy counts the 10 days from issue until the lower bureau
    says when it received the notice (:func:`record_review_request`); the lower bureau's own copy starts at
    receipt (:func:`issue_enforcement_notice`)."""
    upper, lower = required_text(issuing_unit, "issuing_unit"), required_text(lower_unit, "lower_unit")
    if upper == lower:
        raise InvalidRequest(f"enforcement notice {notice_id}: a bureau does not supervise itself; "
                             f"name the lower bureau in lower_unit")
    issued = aware(now)
    if correct_by < issued.astimezone(SHANGHAI).date():
        raise InvalidRequest(f"enforcement notice {notice_id}: correct_by {correct_by.isoformat()} is before "
                             f"the notice is issued ({issued.astimezone(SHANGHAI).date().isoformat()})")
    return issue_enforcement_notice(notice_id, lower, defects, correct_by, issued, cal)


def review_request_deadline(received_at: datetime, cal: WorkingCalendar) -> Deadline:
    return _with_basis(
        calendar_days(aware(received_at, "received_at"), 10, cal),
        "review requested within 10 days of receipt (001:393)",
    )


def record_review_request(
    es: EnforcementSupervision, grounds: str, notice_received_at: datetime, requested_at: datetime,
    cal: WorkingCalendar,
) -> tuple[EnforcementSupervision, list]:
    """The upper bureau's copy learns of the lower bureau's request: the 10 days ran from the lower bureau's
    receipt, and the 15 days for the decision run from the request. No event: the lower bureau sent it."""
    received = aware(notice_received_at, "notice_received_at")
    es = dataclasses.replace(es, received_at=received, review_request_due=review_request_deadline(received, cal))
    es, _ = request_enforcement_review(es, grounds, requested_at, cal)
    return es, []


def request_enforcement_review(
    es: EnforcementSupervision, grounds: str, now: datetime, cal: WorkingCalendar
) -> tuple[EnforcementSupervision, list]:
    """The lower bureau asks for review within 10 days; afterwards the decision stands."""
    if es.state is not EnforcementState.NOTICE_ISSUED:
        raise IllegalTransition(
            f"enforcement notice {es.notice_id} is {es.state.value}: review is asked once"
        )
    if es.review_request_due.is_overdue(now):
        raise ReviewWindowClosed(
            f"enforcement notice {es.notice_id}: the 10-day review window closed at "
            f"{es.review_request_due.due_at.isoformat()}; the decision stands: "
            f"correct by {es.correct_by.isoformat()}"
        )
    due = _with_basis(calendar_days(now, 15, cal), "review decided within 15 days of the request (001:393)")
    event = EnforcementReviewRequested(
        es.notice_id, es.lower_unit, required_text(grounds, "grounds"), aware(now)
    )
    return dataclasses.replace(es, state=EnforcementState.REVIEW_REQUESTED, review_decision_due=due), [event]


def decide_enforcement_review(
    es: EnforcementSupervision, decision: str, reasons: str, now: datetime
) -> tuple[EnforcementSupervision, list]:
    if es.state is not EnforcementState.REVIEW_REQUESTED:
        raise IllegalTransition(
            f"enforcement notice {es.notice_id} is {es.state.value}: no review is pending"
        )
    if decision not in REVIEW_DECISIONS:
        raise InvalidRequest(
            f"review decision must be one of {', '.join(REVIEW_DECISIONS)}, got {decision!r}"
        )
    event = EnforcementReviewDecided(es.notice_id, decision, required_text(reasons, "reasons"), aware(now))
    return dataclasses.replace(es, state=EnforcementState.REVIEW_DECIDED, decision=decision), [event]


def report_compliance(
    es: EnforcementSupervision, result_summary: str, now: datetime
) -> tuple[EnforcementSupervision, list]:
    """The lower bureau reports in writing that it corrected the defects."""
    if es.state is EnforcementState.REVIEW_DECIDED and es.decision == "revoked":
        raise IllegalTransition(
            f"enforcement notice {es.notice_id} was revoked on review: nothing to comply with"
        )
    if es.state not in (EnforcementState.NOTICE_ISSUED, EnforcementState.REVIEW_DECIDED):
        raise IllegalTransition(
            f"enforcement notice {es.notice_id} is {es.state.value}: compliance cannot be reported now"
        )
    event = EnforcementComplied(
        es.notice_id, es.lower_unit, required_text(result_summary, "result_summary"), aware(now)
    )
    return dataclasses.replace(es, state=EnforcementState.COMPLIED), [event]

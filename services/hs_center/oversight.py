"""The center as a supervised unit and as the party to designation agreements: the rules. Pure: no I/O.

HO-36 (000:244): the bureau serves an on-site supervision report; the center may give a written opinion within
10 days of receiving it. Silence counts as no objection. fundlink counts calendar days with a rest-day last day
rolled (domain.md §9, §11 item 10), the same count the bureau uses.

HO-39 (002:100, 002:105-113, 003:15): the bureau orders settlement suspended for a target that refuses to
cooperate with a fraud investigation and the center carries it out. The center also takes agreement measures of
its own and tells the bureau. While a settlement suspension or an agreement suspension is in force for an
institution, none of its claims is paid (HO-21).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from shared.calendar import WorkingCalendar
from shared.deadlines import SHANGHAI, Deadline, calendar_days

from .settlement import SettlementError

SUPERVISION_OPINION = "supervision_opinion"  # deadline kind: the written opinion on a supervision report
OPINION_DAYS = 10
OPINION_BASIS = "written opinion within 10 days of receiving the report; silence = no objection (000:244)"

AWAITING, SUBMITTED, DEEMED = "awaiting_opinion", "opinion_submitted", "deemed_no_objection"

ACTIONS = ("interview", "withhold_payment", "recover", "suspend_staff", "suspend_department", "deduct_deposit",
           "suspend_agreement", "terminate_agreement", "suspend_settlement")
# Measures that stop every payment to the institution while in force (002:100; 002:105-113 暂停拨付/中止协议).
BLOCKS_PAYMENT = frozenset({"suspend_settlement", "suspend_agreement"})
WITH_AMOUNT = frozenset({"withhold_payment", "recover", "deduct_deposit"})  # amount withheld, recovered, deducted
WITH_END = frozenset({"suspend_staff", "suspend_department", "suspend_agreement", "suspend_settlement",
                      "withhold_payment"})  # measures that may last for a period
MUST_TELL_BUREAU = frozenset({"suspend_staff", "suspend_department", "suspend_agreement", "terminate_agreement"})


class OversightError(SettlementError):
    """A supervision opinion or an agreement measure breaks a rule; the message says which (answers 409)."""


class OpinionWindowClosed(OversightError):
    """The 10 days have passed: the center is deemed to have no objection (000:244)."""


class SettlementSuspended(OversightError):
    """The institution's settlement is suspended: its claims are not paid while the suspension is in force."""


# --- HO-36 ------------------------------------------------------------------------------------------------------


def received_at(served_at: datetime, now: datetime) -> datetime:
    """The report reaches the center when it is served on it over the bus; a served time ahead of the center's
    clock (skew) counts from the center's clock instead."""
    return min(served_at, now)


def opinion_deadline(received: datetime, cal: WorkingCalendar) -> Deadline:
    d = calendar_days(received, OPINION_DAYS, cal)
    return Deadline(d.kind, d.starts_at, d.due_at, f"{OPINION_BASIS}: {d.rule}")


def report_state(deadline: Deadline, now: datetime, submitted: bool) -> str:
    if submitted:
        return SUBMITTED
    return DEEMED if deadline.is_overdue(now) else AWAITING


def check_opinion(report_id: str, state: str, deadline: Deadline, now: datetime, finding_ids: Iterable[str],
                  position: str, opinion: str, disputed: Iterable[str]) -> tuple[str, ...]:
    """The center's opinion is admissible: once, within the window; an objection names the findings it disputes
    and they are the report's. Returns the disputed finding ids."""
    if state == SUBMITTED:
        raise OversightError(f"supervision report {report_id}: the center's opinion was already submitted")
    if state == DEEMED or deadline.is_overdue(now):
        raise OpinionWindowClosed(
            f"supervision report {report_id}: the 10-day window closed at "
            f"{deadline.due_at.astimezone(SHANGHAI).isoformat()}; the center is deemed to have no objection "
            f"(000:244)")
    if not (opinion or "").strip():
        raise OversightError(f"supervision report {report_id}: the written opinion is empty")
    disputed = tuple(dict.fromkeys(disputed))
    if position == "agree" and disputed:
        raise OversightError(f"supervision report {report_id}: an opinion that agrees disputes no findings "
                             f"(got {', '.join(disputed)})")
    if position == "objection":
        if not disputed:
            raise OversightError(f"supervision report {report_id}: an objection names the findings it disputes "
                                 f"(disputed_findings)")
        unknown = [f for f in disputed if f not in set(finding_ids)]
        if unknown:
            raise OversightError(f"supervision report {report_id} has no finding {', '.join(unknown)}; its "
                                 f"findings are {', '.join(finding_ids)}")
    return disputed


# --- HO-39 ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """An agreement measure as the center holds it (carried out on a bureau order, or its own)."""

    action_id: str
    target_id: str  # institution code (or, for an insured person, the resident id number)
    action: str
    effective_from: date
    effective_until: date | None = None
    lifted_on: date | None = None  # first day it no longer applies
    order_id: str | None = None

    def in_force(self, on: date) -> bool:
        if on < self.effective_from:
            return False
        if self.effective_until is not None and on > self.effective_until:
            return False
        return self.lifted_on is None or on < self.lifted_on


def check_measure(action: str, *, amount_fen: int | None, order_id: str | None, effective_from: date,
                  effective_until: date | None, from_bureau_order: bool = False) -> None:
    """A measure the center reports is complete: an amount where money moves, an end only where a measure lasts,
    and settlement suspended only on the bureau's order (002:100: the bureau head approves it)."""
    if action not in ACTIONS:
        raise OversightError(f"unknown agreement measure {action!r}; known: {', '.join(ACTIONS)}")
    if action == "suspend_settlement" and not from_bureau_order:
        raise OversightError(
            "settlement is suspended on the bureau's order (002:100, approved by the bureau head): the center "
            "carries the order out when it arrives; use suspend_agreement or withhold_payment for the center's "
            "own measures")
    if order_id is not None and action != "suspend_settlement":
        raise OversightError(f"order_id names a bureau order carried out; {action} is the center's own measure")
    if action in WITH_AMOUNT and not amount_fen:
        raise OversightError(f"{action} says how much (amount_fen, more than 0)")
    if effective_until is not None:
        if action not in WITH_END:
            raise OversightError(f"{action} does not last for a period: leave effective_until out")
        if effective_until < effective_from:
            raise OversightError(f"effective_until {effective_until.isoformat()} is before effective_from "
                                 f"{effective_from.isoformat()}")


def check_payable(institution_id: str, measures: Iterable[Measure], on: date) -> None:
    """HO-21 under HO-39: no claim of an institution is paid while a suspension of its settlement or its
    agreement is in force."""
    for m in measures:
        if m.target_id == institution_id and m.action in BLOCKS_PAYMENT and m.in_force(on):
            until = f" until {m.effective_until.isoformat()}" if m.effective_until else " until it is lifted"
            order = f" on the bureau's order {m.order_id}" if m.order_id else ""
            raise SettlementSuspended(
                f"settlement with institution {institution_id} is suspended ({m.action} {m.action_id}{order}, from "
                f"{m.effective_from.isoformat()}{until}); its claims are not paid while it is in force "
                f"(002:100, 002:105-113)")


def check_lift(measure: Measure, on: date) -> None:
    if measure.action not in BLOCKS_PAYMENT:
        raise OversightError(f"{measure.action_id} is {measure.action}: only a suspension is lifted")
    if measure.lifted_on is not None:
        raise OversightError(f"{measure.action_id} was lifted from {measure.lifted_on.isoformat()}")
    if measure.effective_until is not None and on > measure.effective_until:
        raise OversightError(f"{measure.action_id} ended on {measure.effective_until.isoformat()}; nothing to lift")


__all__ = ["ACTIONS", "AWAITING", "BLOCKS_PAYMENT", "DEEMED", "SUBMITTED", "SUPERVISION_OPINION", "Measure",
           "OpinionWindowClosed", "OversightError", "SettlementSuspended", "check_lift", "check_measure",
           "check_opinion", "check_payable", "opinion_deadline", "received_at", "report_state"]

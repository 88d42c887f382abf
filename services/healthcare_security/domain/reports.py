"""Whistle-blower reports and rewards (domain.md §4.8; HO-31, HO-32).

The reporter's identity lives only on :class:`Report` (confidential, 002:115). No outgoing event carries
it: finance receives the reward id, the report id, the amounts and ``collect_by``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from shared.calendar import WorkingCalendar
from shared.deadlines import Deadline, calendar_days, working_days

from ._base import (
    DomainError,
    IllegalTransition,
    InvalidRequest,
    WindowClosed,
    aware,
    check_fen,
    required_text,
)
from .events import (
    ReportClosed,
    ReportReceived,
    RewardApproved,
    RewardClawedBack,
    RewardCollected,
    RewardForfeited,
)

HANDLING = "report_handling"  # 30 days from receipt, reporter told (001:395)
COLLECTION = "reward_collection"  # 2 working days from the notice (003:56)


class RewardNotAllowed(DomainError):
    """The report does not qualify for a reward (§4.8 eligibility)."""


class RewardOutOfBounds(DomainError):
    """The reward amount lies outside the policy's bounds."""


class CollectionWindowClosed(WindowClosed):
    """The reporter did not collect within the window; the reward is deemed waived."""


@dataclass(frozen=True)
class RewardPolicy:
    """医保办发〔2022〕22号: 200–200,000 yuan; collect within 2 working days (003:56). Configurable."""

    min_fen: int = 20_000
    max_fen: int = 20_000_000
    collect_within_working_days: int = 2


DEFAULT_REWARD_POLICY = RewardPolicy()


@dataclass(frozen=True)
class Reporter:
    """Confidential. Never copied into an event, and kept out of ``repr`` so it stays out of logs."""

    name: str = field(repr=False)
    id_number: str = field(repr=False)
    phone: str | None = field(default=None, repr=False)
    wants_reward: bool = True


class ReportState(StrEnum):
    RECEIVED = "received"
    SUBSTANTIATED = "substantiated"
    UNSUBSTANTIATED = "unsubstantiated"
    REFERRED = "referred"


@dataclass(frozen=True)
class Report:
    report_id: str
    channel: str
    target: str
    clues: str
    received_at: datetime
    handle_by: Deadline
    reporter: Reporter | None = None
    state: ReportState = ReportState.RECEIVED
    facts_already_known: bool = False
    closed_at: datetime | None = None

    @property
    def ref_id(self) -> str:
        return self.report_id

    @property
    def deadlines(self) -> tuple[tuple[str, Deadline], ...]:
        return ((HANDLING, self.handle_by),) if self.state is ReportState.RECEIVED else ()


def handling_deadline(received_at: datetime, cal: WorkingCalendar) -> Deadline:
    """30 calendar days from receipt to handle the report and tell the reporter (001:395); a rest-day last day
    rolls to the next working day."""
    due = calendar_days(aware(received_at, "received_at"), 30, cal)
    return dataclasses.replace(due, rule=f"report handled and reporter told within 30 days (001:395): {due.rule}")


def receive_report(
    report_id: str,
    channel: str,
    target: str,
    clues: str,
    now: datetime,
    cal: WorkingCalendar,
    *,
    reporter: Reporter | None = None,
) -> tuple[Report, list]:
    due = handling_deadline(now, cal)
    report = Report(
        report_id=required_text(report_id, "report_id"),
        channel=required_text(channel, "channel"),
        target=required_text(target, "target"),
        clues=required_text(clues, "clues"),
        received_at=aware(now),
        handle_by=due,
        reporter=reporter,
    )
    return report, [
        ReportReceived(report.report_id, report.channel, report.target, report.received_at, due.due_date)
    ]


def close_report(
    report: Report, outcome: str, now: datetime, *, facts_already_known: bool = False
) -> tuple[Report, list]:
    """Record the outcome and tell the reporter (``outcome_notified_at`` is ``now``)."""
    if report.state is not ReportState.RECEIVED:
        raise IllegalTransition(f"report {report.report_id} is already closed as {report.state.value}")
    try:
        state = ReportState(outcome)
    except ValueError:
        raise InvalidRequest("outcome must be substantiated, unsubstantiated or referred") from None
    if state is ReportState.RECEIVED:
        raise InvalidRequest("outcome must be substantiated, unsubstantiated or referred")
    closed = dataclasses.replace(
        report, state=state, facts_already_known=facts_already_known, closed_at=aware(now)
    )
    return closed, [ReportClosed(report.report_id, report.received_at, state.value, aware(now))]


# --- HO-31 consumer: the receiving bureau's docket ------------------------------------------------------


class DocketState(StrEnum):
    ACCEPTED = "accepted"


REPORT_CHANNELS = ("phone", "online", "letter", "visit", "other")


@dataclass(frozen=True)
class ReportDocketEntry:
    """A report as the receiving bureau holds it after ``report.received``: what was reported and the 30-day
    limit, never who reported (002:115): this value has no field for the reporter."""

    report_id: str
    channel: str
    target_kind: str
    target_name: str
    real_name: bool
    received_at: datetime
    accepted_at: datetime
    handle_by: Deadline
    target_id: str | None = None
    state: DocketState = DocketState.ACCEPTED

    @property
    def ref_id(self) -> str:
        return self.report_id

    @property
    def deadlines(self) -> tuple[tuple[str, Deadline], ...]:
        return ((HANDLING, self.handle_by),)


def accept_report(
    report_id: str,
    channel: str,
    target_kind: str,
    target_name: str,
    real_name: bool,
    received_at: datetime,
    now: datetime,
    cal: WorkingCalendar,
    *,
    target_id: str | None = None,
) -> ReportDocketEntry:
    """The receiving bureau accepts a report registered elsewhere (HO-31). The 30 days run from the original
    receipt, not from the hand-off: a report that travelled between offices has no fresh clock."""
    if channel not in REPORT_CHANNELS:
        raise InvalidRequest(f"channel must be one of {', '.join(REPORT_CHANNELS)}, got {channel!r}")
    received = aware(received_at, "received_at")
    return ReportDocketEntry(
        required_text(report_id, "report_id"), channel, required_text(target_kind, "target_kind"),
        required_text(target_name, "target_name"), bool(real_name), received, aware(now),
        handling_deadline(received, cal), target_id=target_id)


# --- rewards ---------------------------------------------------------------------------------------------


class RewardState(StrEnum):
    APPROVED = "approved"
    NOTICE_SERVED = "notice_served"
    COLLECTED = "collected"
    FORFEITED = "forfeited"
    CLAWED_BACK = "clawed_back"


@dataclass(frozen=True)
class Reward:
    reward_id: str
    report_id: str
    loss_amount_fen: int
    reward_amount_fen: int
    approved_by: str
    approved_at: datetime
    state: RewardState = RewardState.APPROVED
    collect_by: Deadline | None = None
    history: tuple[tuple[datetime, str], ...] = ()

    @property
    def ref_id(self) -> str:
        return self.reward_id

    @property
    def deadlines(self) -> tuple[tuple[str, Deadline], ...]:
        if self.state is RewardState.NOTICE_SERVED and self.collect_by is not None:
            return ((COLLECTION, self.collect_by),)
        return ()

    def _to(self, state: RewardState, now: datetime, **changes: object) -> Reward:
        return dataclasses.replace(
            self, state=state, history=(*self.history, (aware(now), state.value)), **changes
        )


def check_reward_eligibility(report: Report) -> None:
    """Specific target and evidence, facts not already known, reporter identified and wanting a reward."""
    if report.state is not ReportState.SUBSTANTIATED:
        raise RewardNotAllowed(
            f"report {report.report_id} is {report.state.value}: only a substantiated report earns a reward"
        )
    if report.facts_already_known:
        raise RewardNotAllowed(f"report {report.report_id}: the facts were already known to the bureau")
    who = report.reporter
    if who is None or not (who.name or "").strip() or not (who.id_number or "").strip():
        raise RewardNotAllowed(
            f"report {report.report_id}: the reporter gave no identity, so no reward can be paid"
        )
    if not who.wants_reward:
        raise RewardNotAllowed(f"report {report.report_id}: the reporter declined a reward")


def approve_reward(
    report: Report,
    reward_id: str,
    loss_amount_fen: int,
    reward_amount_fen: int,
    approved_by: str,
    now: datetime,
    policy: RewardPolicy = DEFAULT_REWARD_POLICY,
) -> tuple[Reward, list]:
    """Approve the amount; finance hears of it when the notice is served (:func:`serve_reward_notice`)."""
    check_reward_eligibility(report)
    check_fen(loss_amount_fen, "loss_amount_fen (only the reported matter counts)", positive=True)
    check_fen(reward_amount_fen, "reward_amount_fen", positive=True)
    if not policy.min_fen <= reward_amount_fen <= policy.max_fen:
        raise RewardOutOfBounds(
            f"a reward of {reward_amount_fen} fen is outside {policy.min_fen}–{policy.max_fen} fen "
            f"(医保办发〔2022〕22号); choose an amount inside the bounds"
        )
    reward = Reward(
        required_text(reward_id, "reward_id"),
        report.report_id,
        loss_amount_fen,
        reward_amount_fen,
        required_text(approved_by, "approved_by"),
        aware(now),
    )
    return reward._to(RewardState.APPROVED, now), []


def serve_reward_notice(
    reward: Reward, now: datetime, cal: WorkingCalendar, policy: RewardPolicy = DEFAULT_REWARD_POLICY
) -> tuple[Reward, list]:
    if reward.state is not RewardState.APPROVED:
        raise IllegalTransition(
            f"reward {reward.reward_id} is {reward.state.value}: the notice is served once, after approval"
        )
    due = working_days(now, policy.collect_within_working_days, cal)
    due = dataclasses.replace(due, rule=f"collect the reward or it is deemed waived (003:56): {due.rule}")
    served = reward._to(RewardState.NOTICE_SERVED, now, collect_by=due)
    event = RewardApproved(
        reward.reward_id,
        reward.report_id,
        reward.loss_amount_fen,
        reward.reward_amount_fen,
        aware(now),
        due.due_date,
    )
    return served, [event]


def collect_reward(
    reward: Reward, now: datetime, *, by_proxy: bool = False, power_of_attorney: bool = False
) -> tuple[Reward, list]:
    """The reporter collects with their own ID, or a proxy with a power of attorney."""
    if reward.state is not RewardState.NOTICE_SERVED:
        raise IllegalTransition(f"reward {reward.reward_id} is {reward.state.value}: it cannot be collected")
    assert reward.collect_by is not None
    if reward.collect_by.is_overdue(now):
        raise CollectionWindowClosed(
            f"reward {reward.reward_id}: the collection window closed at "
            f"{reward.collect_by.due_at.isoformat()}; the reward is deemed waived"
        )
    if by_proxy and not power_of_attorney:
        raise InvalidRequest(f"reward {reward.reward_id}: a proxy must present a power of attorney")
    event = RewardCollected(
        reward.reward_id, reward.report_id, reward.reward_amount_fen, aware(now), by_proxy
    )
    return reward._to(RewardState.COLLECTED, now), [event]


def forfeit_if_uncollected(reward: Reward, now: datetime) -> tuple[Reward, list]:
    """Timer transition: after the window the reward is forfeited. Unchanged and no event otherwise."""
    if reward.state is not RewardState.NOTICE_SERVED or reward.collect_by is None:
        return reward, []
    if not reward.collect_by.is_overdue(now):
        return reward, []
    event = RewardForfeited(
        reward.reward_id, reward.report_id, reward.reward_amount_fen, reward.collect_by.due_date, aware(now)
    )
    return reward._to(RewardState.FORFEITED, now), [event]


def claw_back_reward(reward: Reward, reasons: str, now: datetime) -> tuple[Reward, list]:
    """A reward obtained by fraud is recovered."""
    if reward.state is not RewardState.COLLECTED:
        raise IllegalTransition(
            f"reward {reward.reward_id} is {reward.state.value}: only a collected reward is clawed back"
        )
    why = required_text(reasons, "reasons")
    event = RewardClawedBack(reward.reward_id, reward.report_id, reward.reward_amount_fen, why, aware(now))
    return reward._to(RewardState.CLAWED_BACK, now), [event]


__all__ = [
    "COLLECTION",
    "CollectionWindowClosed",
    "DEFAULT_REWARD_POLICY",
    "DocketState",
    "HANDLING",
    "REPORT_CHANNELS",
    "Report",
    "ReportDocketEntry",
    "ReportState",
    "Reporter",
    "Reward",
    "RewardNotAllowed",
    "RewardOutOfBounds",
    "RewardPolicy",
    "RewardState",
    "accept_report",
    "approve_reward",
    "check_reward_eligibility",
    "claw_back_reward",
    "close_report",
    "collect_reward",
    "forfeit_if_uncollected",
    "handling_deadline",
    "receive_report",
    "serve_reward_notice",
]

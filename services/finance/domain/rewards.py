"""Whistle-blower rewards finance funds (HO-32). Pure."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import ClassVar

from shared.deadlines import Deadline, day_of_month

from ._base import DomainError, _aware, _fen

# --- 7. whistle-blower rewards (HO-32): finance funds what the bureau approved ----------------------------


class RewardAlreadyPaid(DomainError): ...


class RewardWaived(DomainError): ...


@dataclass(frozen=True)
class Reward:
    """A reward the bureau approved (举报奖励); finance funds it. No reporter identity ever reaches finance."""

    reward_id: str
    report_id: str
    region_code: str
    amount_fen: int
    collect_by: Deadline
    paid_at: datetime | None = None
    payment_ref: str | None = None
    forfeited_at: datetime | None = None  # the bureau's word that the reporter did not collect (deemed waived)


@dataclass(frozen=True)
class RewardPaid:
    event_name: ClassVar[str] = "finance.reward.paid"
    reward_id: str
    amount_fen: int
    payment_ref: str
    paid_at: datetime


def reward_collect_deadline(collect_by: date, notice_served_at: datetime) -> Deadline:
    """The reporter's last day to collect, as the bureau computed it (2 working days, 003:56); fixed."""
    return day_of_month(collect_by.year, collect_by.month, collect_by.day, starts_at=_aware(notice_served_at))


def receive_reward(reward_id: str, report_id: str, region_code: str, amount_fen: int,
                   collect_by: Deadline) -> Reward:
    return Reward(reward_id, report_id, region_code, _fen(amount_fen, "reward amount", positive=True), collect_by)


def pay_reward(reward: Reward, payment_ref: str, at: datetime) -> tuple[Reward, RewardPaid]:
    at = _aware(at)
    if reward.paid_at is not None:
        raise RewardAlreadyPaid(f"reward {reward.reward_id} was paid on {reward.paid_at.isoformat()} "
                                f"({reward.payment_ref}); do not pay it twice")
    if reward.forfeited_at is not None:
        raise RewardWaived(f"reward {reward.reward_id} was forfeited on {reward.forfeited_at.isoformat()}: the "
                           "reporter did not collect it, so it is deemed waived (003:56) and is not paid")
    if reward.collect_by.is_overdue(at):
        raise RewardWaived(
            f"reward {reward.reward_id} was to be collected by {reward.collect_by.due_date.isoformat()}; "
            f"uncollected, it is deemed waived (003:56) and is not paid"
        )
    if not payment_ref or not payment_ref.strip():
        raise DomainError("give finance's payment reference")
    paid = replace(reward, paid_at=at, payment_ref=payment_ref.strip())
    return paid, RewardPaid(reward.reward_id, reward.amount_fen, paid.payment_ref, at)


def forfeit_reward(reward: Reward, forfeited_at: datetime) -> Reward:
    """The bureau forfeited the reward (HO-32): finance no longer owes its funding. The first notice counts."""
    if reward.forfeited_at is not None:
        return reward
    return replace(reward, forfeited_at=_aware(forfeited_at))


def reward_status(reward: Reward) -> str:
    """``paid``, ``forfeited`` (never funded), or ``awaiting_payment``."""
    if reward.paid_at is not None:
        return "paid"
    return "forfeited" if reward.forfeited_at is not None else "awaiting_payment"

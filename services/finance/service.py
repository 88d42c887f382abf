"""finance's nameko service: thin entrypoints in three desks (budget chain, plans and allocation, deficit / LTC /
rewards); the rules are in the domain package."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from shared.bus.runtime import AgencyService

from . import domain, models
from .budget_entrypoints import BudgetChainEntrypoints
from .chain_entrypoints import ChainEntrypoints
from .fund_entrypoints import FundEntrypoints, approved_plan
from .joint_inspection_entrypoints import JointInspectionEntrypoints
from .support_entrypoints import SupportEntrypoints
from .treasury_entrypoints import TreasuryEntrypoints


# ChainEntrypoints comes before SupportEntrypoints: its HO-13/HO-14 handlers replace that desk's notice-only ones.
class FinanceService(AgencyService, ChainEntrypoints, BudgetChainEntrypoints, FundEntrypoints, TreasuryEntrypoints,
                     SupportEntrypoints, JointInspectionEntrypoints):
    name = "finance"
    agency = "finance"
    metadata = models.Base.metadata
    region_chains = domain.REGION_CHAINS  # which chain a region's drafts follow (configuration)
    provincial_region = "460000"  # routing region of provincial-level events (Hainan)

    def clock(self) -> datetime:
        """The one source of 'now' for rules and deadlines; tests override it with fixed dates."""
        return datetime.now(UTC)

    def watch_deadlines(self, now: datetime) -> None:
        """Allocations due by month end and rewards to fund before the reporter's collection day."""
        now = self.clock()
        with self.db.runtime.database.transaction() as session:
            owed = {"fund_allocation": [], "reward_funding": []}
            for review in session.scalars(select(models.PlanReview).where(models.PlanReview.decision.is_not(None))):
                rows = session.scalars(select(models.Allocation).where(models.Allocation.plan_id == review.plan_id))
                book = domain.rebuild_allocation_book(
                    approved_plan(review), [(r.allocation_id, r.month, r.scheme, r.amount_fen) for r in rows])
                owed["fund_allocation"] += book.obligations()
            unfunded = select(models.Reward).where(models.Reward.paid_at.is_(None),
                                                   models.Reward.forfeited_at.is_(None))
            for reward in session.scalars(unfunded):
                due = domain.Deadline.from_dict(reward.collect_by)
                owed["reward_funding"].append(domain.Obligation(f"fund reward {reward.reward_id}", "finance", due))
        owed.update(self.watch_money_in(now))  # HO-06 treasury transfers, HO-07 resident subsidy
        metrics = self.db.runtime.metrics
        for kind, obligations in owed.items():
            metrics.deadlines_open.labels(self.agency, kind).set(len(domain.open_deadlines(obligations)))
            metrics.deadlines_overdue.labels(self.agency, kind).set(len(domain.overdue(obligations, now)))

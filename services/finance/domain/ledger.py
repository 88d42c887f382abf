"""The fund's ledger and monthly allocation (HO-18, §8). Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import ClassVar

from shared.deadlines import Deadline, end_of_month

from ._base import DomainError, Obligation, Scheme, _aware, _fen, _scheme, parse_month, previous_month, quarter_months
from .plans import ApprovedPlan, MonthOutsideQuarter

# --- 3. ledger and monthly allocation (HO-18, §8 accounts) ------------------------------------------


class UnknownAccount(DomainError, LookupError): ...


class SameAccount(DomainError): ...


class InsufficientFunds(DomainError): ...


class AllocationExceedsPlan(DomainError): ...


class DuplicateAllocation(DomainError): ...


def fiscal_special_account(scheme: str) -> str:
    """The provincial fiscal special account's sub-account for a scheme (004:18-19)."""
    return f"fiscal_special:{_scheme(scheme).value}"


def provincial_expenditure_account(scheme: str) -> str:
    return f"provincial_expenditure:{_scheme(scheme).value}"


def expenditure_account(region_code: str, scheme: str) -> str:
    """A city/county center's expenditure account for a scheme (004:19)."""
    return f"expenditure:{region_code}:{_scheme(scheme).value}"


@dataclass(frozen=True)
class Ledger:
    """Fund accounts and their balances in fen. Every move debits one account and credits another;
    no account goes below zero, so the sum of all balances never changes."""

    balances: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for account, amount in self.balances.items():
            _fen(amount, f"opening balance of {account}")
        object.__setattr__(self, "balances", MappingProxyType(dict(self.balances)))

    def balance(self, account: str) -> int:
        try:
            return self.balances[account]
        except KeyError:
            raise UnknownAccount(
                f"no account {account!r} in the ledger; open it first "
                f"(known: {', '.join(sorted(self.balances))})"
            ) from None

    def total(self) -> int:
        return sum(self.balances.values())

    def check_can_move(self, from_account: str, to_account: str, amount_fen: int) -> None:
        _fen(amount_fen, "amount moved", positive=True)
        if from_account == to_account:
            raise SameAccount(f"a move needs two different accounts, got {from_account!r} twice")
        available = self.balance(from_account)
        self.balance(to_account)
        if amount_fen > available:
            raise InsufficientFunds(
                f"{from_account} holds {available} fen, {amount_fen} fen cannot be moved to {to_account} "
                f"({amount_fen - available} fen short); move at most {available} fen or fund the account"
            )

    def moved(self, from_account: str, to_account: str, amount_fen: int) -> Ledger:
        self.check_can_move(from_account, to_account, amount_fen)
        balances = dict(self.balances)
        balances[from_account] -= amount_fen
        balances[to_account] += amount_fen
        return Ledger(balances)


def allocation_deadline(month: str) -> Deadline:
    """HO-18: finance allocates month M's plan by the last day of M-1 (004:34)."""
    year, m = parse_month(previous_month(month))
    return end_of_month(year, m)


@dataclass(frozen=True)
class FundAllocated:
    event_name: ClassVar[str] = "finance.fund.allocated"
    allocation_id: str
    plan_id: str
    month: str
    scheme: Scheme
    amount_fen: int
    from_account: str
    to_account: str
    value_date: datetime
    late: bool


@dataclass(frozen=True)
class AllocationBook:
    """What finance has allocated so far against one quarter's approved plan."""

    plan: ApprovedPlan
    allocated: Mapping[tuple[str, Scheme], int] = field(default_factory=dict)
    allocation_ids: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "allocated", MappingProxyType(dict(self.allocated)))

    def allocated_for(self, month: str, scheme: str) -> int:
        return self.allocated.get((month, _scheme(scheme)), 0)

    def remaining(self, month: str, scheme: str) -> int:
        return self.plan.total(month=month, scheme=scheme) - self.allocated_for(month, scheme)

    def check_within_plan(self, month: str, scheme: str, amount_fen: int) -> None:
        if month not in quarter_months(self.plan.quarter):
            raise MonthOutsideQuarter(
                f"{month} is not in {self.plan.quarter}, the quarter of plan {self.plan.plan_id}"
            )
        approved = self.plan.total(month=month, scheme=scheme)
        done = self.allocated_for(month, scheme)
        if done + amount_fen > approved:
            raise AllocationExceedsPlan(
                f"allocating {amount_fen} fen for {month} {scheme} would bring the total to "
                f"{done + amount_fen} fen, "
                f"above the approved plan of {approved} fen ({approved - done} fen still open); "
                f"allocate at most {approved - done} fen or have the plan re-reviewed"
            )

    def obligations(self) -> tuple[Obligation, ...]:
        """One per month × scheme with an approved amount; met once fully allocated."""
        return tuple(
            Obligation(
                what=f"allocate {month} {scheme.value} (plan {self.plan.plan_id})",
                party="finance",
                deadline=allocation_deadline(month),
                met=self.remaining(month, scheme) <= 0,
            )
            for month in quarter_months(self.plan.quarter)
            for scheme in Scheme
            if self.plan.total(month=month, scheme=scheme) > 0
        )


def open_allocation_book(plan: ApprovedPlan) -> AllocationBook:
    return AllocationBook(plan=plan)


def allocate(
    book: AllocationBook,
    ledger: Ledger,
    allocation_id: str,
    month: str,
    scheme: str,
    amount_fen: int,
    at: datetime,
) -> tuple[AllocationBook, Ledger, FundAllocated]:
    """HO-18: move month M's money from the fiscal special account to the provincial expenditure account."""
    at = _aware(at)
    scheme = _scheme(scheme)
    if allocation_id in book.allocation_ids:
        raise DuplicateAllocation(f"allocation {allocation_id} is already recorded; do not book it twice")
    _fen(amount_fen, "allocation amount", positive=True)
    book.check_within_plan(month, scheme, amount_fen)
    source, target = fiscal_special_account(scheme), provincial_expenditure_account(scheme)
    ledger = ledger.moved(source, target, amount_fen)
    key = (month, scheme)
    new_book = replace(
        book,
        allocated={**book.allocated, key: book.allocated.get(key, 0) + amount_fen},
        allocation_ids=book.allocation_ids | {allocation_id},
    )
    event = FundAllocated(
        allocation_id=allocation_id,
        plan_id=book.plan.plan_id,
        month=month,
        scheme=scheme,
        amount_fen=amount_fen,
        from_account=source,
        to_account=target,
        value_date=at,
        late=allocation_deadline(month).is_overdue(at),
    )
    return new_book, ledger, event


def rebuild_allocation_book(plan: ApprovedPlan, allocations: Iterable[tuple[str, str, str, int]]) -> AllocationBook:
    """The book as stored: (allocation_id, month, scheme, amount_fen) already allocated against ``plan``."""
    allocated: dict[tuple[str, Scheme], int] = {}
    ids: set[str] = set()
    for allocation_id, month, scheme, amount in allocations:
        key = (month, _scheme(scheme))
        allocated[key] = allocated.get(key, 0) + amount
        ids.add(allocation_id)
    return AllocationBook(plan=plan, allocated=allocated, allocation_ids=frozenset(ids))


def fund_account(ledger: Ledger, account: str, amount_fen: int) -> Ledger:
    """Money enters the ledger from outside (contributions, subsidies, a deficit share paid in)."""
    _fen(amount_fen, f"amount credited to {account}", positive=True)
    if not account.isprintable():
        raise DomainError(f"account name {account!r} must be printable text (no control characters)")
    balances = dict(ledger.balances)
    balances[account] = _fen(balances.get(account, 0) + amount_fen, f"balance of {account}")
    return Ledger(balances)

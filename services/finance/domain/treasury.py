"""Contributions moved from the treasuries to the provincial special account every ten days (HO-06), and the
city/county resident matching subsidies received there (HO-07). Pure.

HO-06 (004:31, 93): tax collects into the treasury of its own level; on finance's voucher the treasury moves
the money to the provincial special account *by ten-day period* (旬: days 1-10, 11-20, 21 to month end).
**[design]** A dekad's transfer is owed once the dekad has ended and is overdue when the next dekad has passed
without the treasury's confirmation (the alert "a 旬 passed without it"): dekad D is due by the last day of
D+1, 23:59:59 Asia/Shanghai, a fixed date that does not roll (§9). A voucher is issued only for a dekad that
has ended, and a transfer must carry exactly what its voucher said.

HO-07 (004:32, 94): each city/county's resident matching subsidy reaches the provincial special account before
1 September (:func:`.ltc.resident_subsidy_deadline`); a remittance is received once.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from shared.deadlines import SHANGHAI, Deadline, day_of_month

from ._base import DomainError, InvalidPeriod, Obligation, Scheme, _aware, _fen, _scheme

_DEKAD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])-D([1-3])$")


class VoucherTooEarly(DomainError): ...


class DuplicateVoucher(DomainError): ...


class TransferDoesNotMatchVoucher(DomainError): ...


class AlreadyTransferred(DomainError): ...


class AlreadyReceived(DomainError): ...


def parse_dekad(dekad: str) -> tuple[int, int, int]:
    found = _DEKAD.match(dekad) if isinstance(dekad, str) else None
    if not found:
        raise InvalidPeriod(f"ten-day period {dekad!r} must be written YYYY-MM-Dn with n 1..3, e.g. '2026-03-D2'")
    if not 2000 <= int(found[1]) <= 2099:
        # The fund's ledgers start this century; year 0 would also break date arithmetic in the watch.
        raise InvalidPeriod(f"ten-day period {dekad!r}: the year must be 2000..2099")
    return int(found[1]), int(found[2]), int(found[3])


def dekad_days(dekad: str) -> tuple[date, date]:
    """First and last day of a 旬: 1-10, 11-20, 21 to month end."""
    year, month, n = parse_dekad(dekad)
    last = {1: 10, 2: 20, 3: calendar.monthrange(year, month)[1]}[n]
    return date(year, month, 10 * (n - 1) + 1), date(year, month, last)


def dekad_of(day: date) -> str:
    return f"{day.year}-{day.month:02d}-D{min(3, (day.day - 1) // 10 + 1)}"


def next_dekad(dekad: str) -> str:
    year, month, n = parse_dekad(dekad)
    if n < 3:
        return f"{year}-{month:02d}-D{n + 1}"
    return f"{year + 1}-01-D1" if month == 12 else f"{year}-{month + 1:02d}-D1"


def dekad_has_ended(dekad: str, now: datetime) -> bool:
    return _aware(now).astimezone(SHANGHAI).date() > dekad_days(dekad)[1]


def premium_transfer_deadline(dekad: str) -> Deadline:
    """[design] Dekad D's contributions reach the special account by the end of the following dekad."""
    start = dekad_days(dekad)[1]
    due = dekad_days(next_dekad(dekad))[1]
    starts_at = datetime(start.year, start.month, start.day, tzinfo=SHANGHAI)
    return day_of_month(due.year, due.month, due.day, starts_at=starts_at)


def ended_dekads(first_dekad: str, now: datetime) -> tuple[str, ...]:
    """Every dekad from ``first_dekad`` that has ended by ``now``."""
    out, dekad = [], first_dekad
    while dekad_has_ended(dekad, now):
        out.append(dekad)
        dekad = next_dekad(dekad)
    return tuple(out)


def special_account(scheme: str) -> str:
    return f"fiscal_special:{_scheme(scheme).value}"


@dataclass(frozen=True)
class Voucher:
    """拨款凭证: finance tells a treasury to move a dekad's contributions of one scheme."""

    voucher_id: str
    dekad: str
    treasury_code: str
    region_code: str
    scheme: Scheme
    amount_fen: int
    to_account: str
    issued_at: datetime
    transferred: bool = False


def issue_voucher(
    voucher_id: str, dekad: str, treasury_code: str, region_code: str, scheme: str, amount_fen: int, at: datetime,
    issued: Iterable[Voucher] = (),
) -> Voucher:
    """HO-06 out: one voucher per treasury, dekad and scheme, once the dekad has ended."""
    at = _aware(at)
    scheme = _scheme(scheme)
    _fen(amount_fen, "voucher amount", positive=True)
    if not dekad_has_ended(dekad, at):
        raise VoucherTooEarly(
            f"dekad {dekad} ends on {dekad_days(dekad)[1].isoformat()}; its contributions are known and moved only "
            f"after it ends (004:31)"
        )
    for other in issued:
        if other.voucher_id == voucher_id:
            raise DuplicateVoucher(f"voucher {voucher_id} was already issued; a voucher is issued once")
        if (other.dekad, other.treasury_code, other.scheme) == (dekad, treasury_code, scheme):
            raise DuplicateVoucher(
                f"treasury {treasury_code} already has voucher {other.voucher_id} for {dekad} {scheme.value}; "
                f"one voucher per treasury, dekad and scheme"
            )
    return Voucher(voucher_id, dekad, treasury_code, region_code, scheme, amount_fen, special_account(scheme), at)


def receive_transfer(voucher: Voucher, scheme: str, amount_fen: int, to_account: str) -> Voucher:
    """HO-06 in: the treasury's transfer carries exactly what the voucher ordered."""
    if voucher.transferred:
        raise AlreadyTransferred(f"voucher {voucher.voucher_id} was already carried out; it is credited once")
    if (_scheme(scheme), amount_fen, to_account) != (voucher.scheme, voucher.amount_fen, voucher.to_account):
        raise TransferDoesNotMatchVoucher(
            f"treasury moved {amount_fen} fen of {scheme} to {to_account}, but voucher {voucher.voucher_id} ordered "
            f"{voucher.amount_fen} fen of {voucher.scheme.value} to {voucher.to_account}; the treasury must "
            f"correct the transfer"
        )
    return Voucher(**{**voucher.__dict__, "transferred": True})


def premium_transfer_obligations(
    treasury_code: str, first_dekad: str, now: datetime, transferred_dekads: Iterable[str]
) -> tuple[Obligation, ...]:
    """One per ended dekad of a scheduled treasury; met once a transfer for that dekad is confirmed."""
    done = set(transferred_dekads)
    return tuple(
        Obligation(f"premium transfer {dekad} from treasury {treasury_code}", f"treasury:{treasury_code}",
                   premium_transfer_deadline(dekad), dekad in done)
        for dekad in ended_dekads(first_dekad, now)
    )


def receive_resident_subsidy(remittance_id: str, received: Iterable[str]) -> None:
    """HO-07 in: a remittance is credited to the special account once."""
    if remittance_id in set(received):
        raise AlreadyReceived(f"remittance {remittance_id} is already credited; it is received once")

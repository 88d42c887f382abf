"""New medical service items (新增医疗服务项目, HO-38): the commission's side. Pure: no I/O.

The health commission leads the review of new medical service items and helps set prices; the healthcare
security bureau sets basic prices and reviews special-needs (特需) items (000:197-211). The commission's review
goes to the bureau, which prices an approved item; the bureau's price comes back as a notice.
"""

from __future__ import annotations

DECISIONS = ("approved", "rejected")


class ServiceItemError(Exception):
    """A review breaks a rule; the message says which."""


def check_review(decision: str, comments: str | None) -> None:
    if decision not in DECISIONS:
        raise ServiceItemError(f"decision must be one of {', '.join(DECISIONS)}")
    if decision == "rejected" and not (comments or "").strip():
        raise ServiceItemError("a rejected item must say why (comments), so the institution can apply again")

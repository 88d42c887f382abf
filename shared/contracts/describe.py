"""Words for the catalogue's facts, shared by the AsyncAPI document, the README and the CLI."""

from __future__ import annotations

from shared.bus.catalogue import DeadlineSpec, Handoff

_SOURCE = {"seed": "seed", "outside_seeds": "law outside the seeds", "design": "design"}


def deadline_text(spec: DeadlineSpec | None) -> str:
    """``5 working days from feed received [design]``; ``none set`` when the table sets none."""
    if spec is None:
        return "none set"
    anchor = f" from {spec.anchor}" if spec.anchor else ""
    dom = "the last day" if spec.day_of_month == -1 else f"day {spec.day_of_month}"
    text = {
        "calendar": f"{spec.days} calendar days{anchor}",
        "working": f"{spec.days} working days{anchor}",
        "hours": f"{spec.hours} hours{anchor}",
        "fixed_date": f"by {dom} of the month ({spec.anchor})" if spec.anchor else f"by {dom} of the month",
        "annual": f"by {dom} of month {spec.month} each year",
        "quarterly": (f"by {dom} of month {spec.month} of each quarter" if spec.month else "each quarter"),
        "dekad": "each ten-day period (旬)",
    }.get(spec.kind, spec.kind)
    return f"{text} [{_SOURCE.get(spec.source, spec.source)}]"


def legal_basis_text(handoff: Handoff) -> str:
    return "; ".join(handoff.legal_basis) or "not named"

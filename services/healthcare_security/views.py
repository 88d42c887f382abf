"""What officers see of a case or matter: its state, its timeline and its open time limits."""

from __future__ import annotations

from datetime import datetime

from shared.records import dump

from . import domain


def _deadline_state(deadline, open_deadlines, now: datetime) -> str | None:
    if deadline is None:
        return None
    if deadline not in open_deadlines:
        return "met"
    return "overdue" if deadline.is_overdue(now) else "open"


def case_view(case: domain.Case, region_code: str, now: datetime) -> dict:
    """``timeline``: every step and hand-off with its time, the party that signed it (the envelope's signer
    for a hand-off), the person or unit that signed for it, its time limit and where that limit stands."""
    running = [d for _, d in case.deadlines]
    return {
        "case_id": case.case_id, "region_code": region_code, "state": case.state.value,
        "transfer_required": case.transfer_required, "returned_for_penalty": case.returned_for_penalty,
        "amount_defrauded_fen": case.amount_defrauded_fen, "receiving_unit": case.receiving_unit,
        "timeline": [{
            "at": e.at.isoformat(), "step": e.step, "party": e.actor_agency, "signed_by": e.signed_by,
            "handoff": e.event_name, "deadline": e.deadline.as_dict() if e.deadline else None,
            "deadline_state": _deadline_state(e.deadline, running, now), "state": e.state,
        } for e in case.timeline],
        "open_deadlines": [{"name": name, **d.as_dict(), "overdue": d.is_overdue(now)}
                           for name, d in domain.open_deadlines(case, now)],
    }


def matter_view(kind: str, value, replies: list, now: datetime, *, confidential: tuple[str, ...] = ()) -> dict:
    doc = {k: v for k, v in dump(value).items() if k not in confidential}
    running = domain.open_deadlines(value, now) if hasattr(value, "deadlines") else []
    return {"kind": kind, **doc, "replies": replies,
            "open_deadlines": [{"name": name, **d.as_dict(), "overdue": d.is_overdue(now)} for name, d in running]}

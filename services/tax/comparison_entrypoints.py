"""Tax's consumer of the center's data-comparison requests (HO-34). Mixed into TaxService; rules in comparison.py."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from shared.bus.runtime import handles, http
from shared.http import NotFound

from . import comparison, models, schemas
from . import comparison_models as cmp


class ComparisonEntrypoints:
    @handles("fundlink.hs_center.data_comparison.requested.v1")
    def on_comparison_requested(self, event):
        """HO-34: answer from tax's payer register when asked; the answer names persons only by their tokens."""
        data, now = event.data, datetime.now(UTC)
        if "tax" not in data["queried"] or self.db.session.get(cmp.ComparisonAnswer, data["request_id"]):
            return
        rows = self.db.session.scalars(select(models.Enrollment))
        register = comparison.collected_in((comparison.Registration(
            r.registration_id, r.payer_id, r.scheme, r.region_code, r.change_type, r.status, r.effective_from)
            for r in rows), date.fromisoformat(data["as_of"]))
        results = comparison.answer(data["request_id"], data["purpose"], data["person_ids"], register)
        self.db.session.add(cmp.ComparisonAnswer(request_id=data["request_id"], purpose=data["purpose"],
                                                 asked_count=len(data["person_ids"]), matched_count=len(results),
                                                 answered_at=now))
        self.db.publish(schemas.ComparisonResultReturned, {
            "request_id": data["request_id"], "results": results, "returned_at": now},
            subject=data["request_id"], correlation_id=event.correlationid, region=event.region)

    @http("GET", "/data-comparisons/<request_id>")
    def get_comparison_answer(self, request, request_id):
        row = self.db.session.get(cmp.ComparisonAnswer, request_id)
        if row is None:
            raise NotFound(f"tax has not answered a comparison {request_id!r}")
        return {"request_id": row.request_id, "purpose": row.purpose, "asked_count": row.asked_count,
                "matched_count": row.matched_count, "answered_at": row.answered_at.isoformat()}

"""The police's household register over HTTP and their answer to the center's data comparison (HO-34). Mixed into
PublicSecurityService; rules in household.py."""

from __future__ import annotations

from datetime import date

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from shared.bus.runtime import handles, http
from shared.http import NotFound, json_body

from . import household, schemas
from . import household_models as hm

ID_NUMBER = validate.Regexp(r"^\d{17}[\dXx]$", error="must be an 18-character resident id number")


class ResidentIn(Schema):
    id_number = fields.String(required=True, validate=ID_NUMBER)
    region_code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="must be 6 digits"))
    status = fields.String(required=True, validate=validate.OneOf(household.STATUSES))
    died_on = fields.Date()


class HouseholdLoad(Schema):
    """POST /household-register: residents' entries (replacing earlier ones of the same person)."""

    residents = fields.List(fields.Nested(ResidentIn), required=True, validate=validate.Length(min=1, max=10_000))


class HouseholdEntrypoints:
    @http("POST", "/household-register", request_schema=HouseholdLoad,
          expected_exceptions=(household.HouseholdError,))
    def load_household_register(self, request):
        body, now = HouseholdLoad().load(json_body(request)), self.clock()
        for r in body["residents"]:
            resident = household.Resident(r["id_number"].upper(), r["region_code"], r["status"], r.get("died_on"))
            household.check_resident(resident)
            self.db.session.merge(hm.HouseholdResident(id_number=resident.id_number, region_code=resident.region_code,
                                                       status=resident.status, died_on=resident.died_on,
                                                       updated_at=now))
        return 200, {"loaded": len(body["residents"])}

    @handles("fundlink.hs_center.data_comparison.requested.v1")
    def on_comparison_requested(self, event):
        """HO-34: answer from the household register when asked; persons are named only by their tokens."""
        data, now = event.data, self.clock()
        if "public_security" not in data["queried"] or self.db.session.get(hm.ComparisonAnswer, data["request_id"]):
            return
        residents = (household.Resident(r.id_number, r.region_code, r.status, r.died_on)
                     for r in self.db.session.scalars(select(hm.HouseholdResident)))
        results = household.answer(data["request_id"], data["purpose"], data["person_ids"], residents,
                                   date.fromisoformat(data["as_of"]))
        self.db.session.add(hm.ComparisonAnswer(request_id=data["request_id"], purpose=data["purpose"],
                                                asked_count=len(data["person_ids"]), matched_count=len(results),
                                                answered_at=now))
        self.db.publish(schemas.ComparisonResultReturned, {
            "request_id": data["request_id"], "results": results, "returned_at": now},
            subject=data["request_id"], correlation_id=event.correlationid, region=event.region)

    @http("GET", "/data-comparisons/<request_id>")
    def get_comparison_answer(self, request, request_id):
        row = self.db.session.get(hm.ComparisonAnswer, request_id)
        if row is None:
            raise NotFound(f"public_security has not answered a comparison {request_id!r}")
        return {"request_id": row.request_id, "purpose": row.purpose, "asked_count": row.asked_count,
                "matched_count": row.matched_count, "answered_at": row.answered_at.isoformat()}

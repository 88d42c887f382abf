"""public_security's nameko service: thin entrypoints; the rules are in domain.py.

The police receive transfers (HO-22) and sign the receipt at once (HO-23), decide on filing (HO-24), answer
reconsideration requests (HO-25) and confirm evidence handovers (HO-26).

Clock seam: "now" comes from :meth:`PublicSecurityService.clock` (wall clock, UTC); tests fix it by
subclassing the service and overriding ``clock``.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select

from shared.bus.runtime import AgencyService, handles, http
from shared.calendar import china_calendar
from shared.http import NotFound, json_body
from shared.records import dump, load

from . import domain, models, schemas
from .household_entrypoints import HouseholdEntrypoints
from .joint_inspection_entrypoints import JointInspectionEntrypoints

ERRORS = (domain.DomainError,)
RECONSIDERATION_WORDS = {"upheld": "not_filed", "reversed": "filed"}  # catalogue word -> domain decision


class PublicSecurityService(AgencyService, HouseholdEntrypoints, JointInspectionEntrypoints):
    name = "public_security"
    agency = "public_security"
    metadata = models.Base.metadata
    receiving_unit = "economic crime investigation unit (经济犯罪侦查支队)"

    def clock(self) -> datetime:
        return datetime.now(UTC)

    @handles("fundlink.healthcare_security.case.transferred_to_police.v1")
    def on_case_transferred(self, event):
        """HO-22 in, HO-23 out: sign the receipt; a redelivered transfer signs nothing twice."""
        transfer = incoming_transfer(event.data)
        row = self.db.session.get(models.TransferredCase, transfer.case_id, with_for_update=True)
        case, events = domain.receive_transfer(transfer, self.receiving_unit, self.clock(), china_calendar(),
                                               existing=load(domain.PoliceCase, row.doc) if row else None)
        if events:
            row = models.TransferredCase(case_id=case.case_id, region_code=event.region, receipt_id=f"R-{case.case_id}")
            self._save(row, case, events, receipt_id=row.receipt_id)

    @http("POST", "/cases/<case_id>/filing-decision", expected_exceptions=ERRORS)
    def decide_filing(self, request, case_id):
        b = schemas.FilingDecisionRequest().load(json_body(request))
        number = b.pop("police_case_number", None)
        row = self._row(case_id, "filing decision")
        case, events = domain.decide_filing(load(domain.PoliceCase, row.doc), now=self.clock(), **b)
        row.police_case_number = number
        return self._save(row, case, events, police_case_number=number)

    @handles("fundlink.healthcare_security.case.reconsideration_requested.v1")
    def on_reconsideration_requested(self, event):
        d, row = event.data, self._row(event.data["case_id"], "reconsideration request")
        case, events = domain.receive_reconsideration_request(load(domain.PoliceCase, row.doc), d["grounds"],
                                                              self.clock(), china_calendar())
        self._save(row, case, events)

    @http("POST", "/cases/<case_id>/reconsideration-decision", expected_exceptions=ERRORS)
    def decide_reconsideration(self, request, case_id):
        b, row = schemas.ReconsiderationDecisionRequest().load(json_body(request)), self._row(case_id, "decision")
        case, events = domain.decide_reconsideration(load(domain.PoliceCase, row.doc),
                                                     RECONSIDERATION_WORDS[b["decision"]], b["reasons"], self.clock())
        row.police_case_number = b.get("police_case_number", row.police_case_number)
        return self._save(row, case, events, decision=b["decision"], police_case_number=row.police_case_number)

    @handles("fundlink.healthcare_security.case.evidence_handed_over.v1")
    def on_evidence_handed_over(self, event):
        d, row = event.data, self._row(event.data["case_id"], "evidence handover")
        case, events = domain.receive_evidence(load(domain.PoliceCase, row.doc),
                                               [i["description"] for i in d["items"]], self.clock())
        self._save(row, case, events, handover_id=d["handover_id"], received_by=case.receiving_unit)

    @http("GET", "/cases/<case_id>")
    def show_case(self, request, case_id):
        row = self.db.session.get(models.TransferredCase, case_id)
        if row is None:
            raise NotFound(f"no transferred case {case_id!r} at public_security")
        return {"receipt_id": row.receipt_id, "police_case_number": row.police_case_number, **row.doc}

    def watch_deadlines(self, now: datetime) -> None:
        """The police's own view of their filing and reconsideration clocks."""
        running, late = Counter(), Counter()
        for row in self.db.session.scalars(select(models.TransferredCase)):
            case = load(domain.PoliceCase, row.doc)
            running.update(n for n, _ in domain.open_deadlines(case, now))
            late.update(n for n, _ in domain.overdue(case, now))
        for name in (domain.FILING_DECISION, domain.RECONSIDERATION_DECISION):
            self.db.runtime.metrics.deadlines_open.labels(self.agency, name).set(running[name])
            self.db.runtime.metrics.deadlines_overdue.labels(self.agency, name).set(late[name])

    # --- plumbing ------------------------------------------------------------------------------------------

    def _row(self, case_id: str, what: str) -> models.TransferredCase:
        row = self.db.session.get(models.TransferredCase, case_id, with_for_update=True)
        if row is None:
            raise NotFound(f"{what} for unknown case {case_id!r}: public_security never received its transfer")
        return row

    def _save(self, row: models.TransferredCase, case: domain.PoliceCase, events: list, **extra) -> dict:
        row.state, row.doc, row.updated_at = case.state.value, dump(case), self.clock()
        self.db.session.add(row)
        for event in events:
            schema = SCHEMAS[type(event)]
            payload = {k: v for k, v in dump({**event.__dict__, **extra}).items()
                       if v is not None and k in schema._declared_fields}
            self.db.publish(schema, payload, subject=row.case_id, correlation_id=row.case_id, region=row.region_code)
        return {"receipt_id": row.receipt_id, "police_case_number": row.police_case_number, **row.doc}


SCHEMAS = {domain.ReceiptSigned: schemas.ReceiptSigned, domain.FilingDecided: schemas.FilingDecided,
           domain.ReconsiderationDecided: schemas.ReconsiderationDecided,
           domain.EvidenceReceived: schemas.EvidenceReceived}


def incoming_transfer(d: dict) -> domain.IncomingTransfer:
    """The facts of HO-22 as the police read them."""
    return domain.IncomingTransfer(
        case_id=d["case_id"], suspect_kind=d["suspect"]["kind"], suspect_id=d["suspect"]["id_number"],
        facts_summary=d["facts_summary"], amount_defrauded_fen=d["amount_defrauded_fen"],
        legal_basis=tuple(d["legal_basis"]), approved_by=d["approved_by"],
        approved_at=datetime.fromisoformat(d["approved_at"]),
        attachment_kinds=tuple(a["kind"] for a in d["attachments"]))

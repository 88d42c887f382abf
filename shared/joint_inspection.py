"""HO-33 joint inspection (联合检查): the invited agencies' side, written once for the four of them.

The bureau (healthcare_security) invites some of health_commission, market_regulation, finance and
public_security to inspect a designated institution or pharmacy together (002:90; Hengshui: 001:408, 001:438).
Each invited agency, in its own database:

1. keeps the invitation (``healthcare_security.joint_inspection.invited``). An agency the invitation does not
   list ignores it (catalogue), and the same inspection arriving again (a redelivery, or the invitation sent
   twice) changes nothing: the first one kept stands;
2. answers it once: ``POST /joint-inspections/<id>/acceptance`` publishes ``<agency>.joint_inspection.accepted``,
   ``accepted`` (with the staff it sends) or ``declined`` with a reason;
3. after accepting, reports once what it found within its own remit: ``POST /joint-inspections/<id>/findings``
   publishes ``<agency>.joint_inspection.findings_reported`` (an empty list when nothing was found);
4. keeps the bureau's consolidated result (``healthcare_security.joint_inspection.findings_reported``) beside
   its answer, and shows the findings it leads the follow-up of (``lead_agency``).

``GET /joint-inspections/<id>`` shows all of it. An agency that was not invited has no such inspection: its
answer and findings are refused (404) and nothing is published.

An agency mixes in the class :func:`invitee_entrypoints` makes from its table and its two event schemas. Its
table is :class:`JointInspectionColumns` on its own ``Base``; its own migration creates it with
:func:`create_joint_inspection_table`.
"""

from __future__ import annotations

from datetime import datetime

from marshmallow import ValidationError
from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.bus.runtime import handles, http
from shared.http import Conflict, NotFound, json_body

INVITED = "fundlink.healthcare_security.joint_inspection.invited.v1"
RESULT = "fundlink.healthcare_security.joint_inspection.findings_reported.v1"
TABLE = "joint_inspection"


class JointInspectionColumns:
    """联合检查: one joint inspection an agency was invited to, its answer, its findings and the bureau's result."""

    __tablename__ = TABLE

    inspection_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6))
    invitation: Mapped[dict] = mapped_column(JSON)  # the bureau's invitation, as received
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decision: Mapped[str | None] = mapped_column(String(10), nullable=True, index=True)  # accepted | declined
    answer: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # the accepted.v1 payload sent
    findings: Mapped[list | None] = mapped_column(JSON, nullable=True)  # the findings reported
    reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # the bureau's consolidated result
    result_received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


def create_joint_inspection_table() -> None:
    """Migration step: the agency's ``joint_inspection`` table, the same shape in every invited agency."""
    from shared.migrate import create_table_of

    create_table_of(JointInspectionColumns)


def drop_joint_inspection_table() -> None:
    from shared.migrate import drop_table_of

    drop_table_of(JointInspectionColumns)


def refuse_repeated_findings(findings: list[dict]) -> None:
    """422 when two findings of one report share a ``finding_id``."""
    ids = [f["finding_id"] for f in findings]
    if repeated := sorted({i for i in ids if ids.count(i) > 1}):
        raise ValidationError({"findings": [f"finding_id repeats: {', '.join(repeated)}"]})


def state_of(row: JointInspectionColumns) -> str:
    if row.result is not None:
        return "closed"
    if row.reported_at is not None:
        return "findings_reported"
    return row.decision or "invited"


def invitee_entrypoints(record: type[JointInspectionColumns], accepted: type, findings: type) -> type:
    """The entrypoints of one invited agency (HO-33), on its table ``record`` and its event schemas ``accepted``
    (``<agency>.joint_inspection.accepted.v1``) and ``findings`` (``<agency>.joint_inspection.findings_reported.v1``).
    The service mixes the class in and provides ``agency``, ``db`` and ``clock``."""

    class AnswerRequest(accepted):
        """The answer as the officer sends it: the event's payload without what the service fills in."""

        class Meta(accepted.Meta):
            exclude = ("inspection_id", "responded_at")

    class FindingsRequest(findings):
        """The findings as the officer sends them (``[]`` when none)."""

        class Meta(findings.Meta):
            exclude = ("inspection_id", "reported_at")

    class JointInspectionEntrypoints:
        @handles(INVITED)
        def on_joint_inspection_invited(self, event):
            """Keep the invitation if it names this agency; the first one kept for an inspection stands."""
            d = event.data
            if self.agency not in d["invited"] or self.db.session.get(record, d["inspection_id"]) is not None:
                return
            self.db.session.add(record(inspection_id=d["inspection_id"], region_code=d["region_code"],
                                       invitation=d, received_at=self.clock()))

        @http("POST", "/joint-inspections/<inspection_id>/acceptance", request_schema=AnswerRequest,
              expected_exceptions=(Conflict,))
        def answer_joint_inspection(self, request, inspection_id):
            """HO-33 reply, once per inspection: take part, or decline with a reason.

            ``accepted`` (optionally ``staff_count``, ``contact_unit``) or ``declined`` with a ``reason``."""
            body = AnswerRequest().load(json_body(request))
            if body["decision"] == "declined" and not body.get("reason"):
                raise ValidationError({"reason": ["say why the agency declines the joint inspection"]})
            row = self._joint_inspection(inspection_id)
            if row.decision is not None:
                raise Conflict(f"{self.agency} already answered joint inspection {inspection_id}: {row.decision} "
                               f"at {row.answer['responded_at']}; the answer is sent once")
            answer = {"inspection_id": inspection_id, **body, "responded_at": self.clock().isoformat()}
            row.decision, row.answer = body["decision"], answer
            self.db.publish(accepted, answer, subject=inspection_id, correlation_id=inspection_id,
                            region=row.region_code)
            return 202, joint_inspection_view(self.agency, row)

        @http("POST", "/joint-inspections/<inspection_id>/findings", request_schema=FindingsRequest,
              expected_exceptions=(Conflict,))
        def report_joint_inspection_findings(self, request, inspection_id):
            """HO-33 reply, once, after accepting: the findings within this agency's remit (``[]`` when none)."""
            found = FindingsRequest().load(json_body(request))["findings"]
            refuse_repeated_findings(found)
            row = self._joint_inspection(inspection_id)
            if row.decision != "accepted":
                raise Conflict(f"{self.agency} has {'declined' if row.decision else 'not accepted'} joint inspection "
                               f"{inspection_id}: only an agency that takes part reports findings")
            if row.reported_at is not None:
                raise Conflict(f"{self.agency} already reported its findings on joint inspection {inspection_id} at "
                               f"{row.reported_at.isoformat()}")
            now = self.clock()
            row.findings, row.reported_at = found, now
            self.db.publish(findings, {"inspection_id": inspection_id, "findings": found,
                                       "reported_at": now.isoformat()},
                            subject=inspection_id, correlation_id=inspection_id, region=row.region_code)
            return 202, joint_inspection_view(self.agency, row)

        @handles(RESULT)
        def on_joint_inspection_result(self, event):
            """The bureau's consolidated result, kept once beside the inspection this agency was invited to."""
            row = self.db.session.get(record, event.data["inspection_id"], with_for_update=True)
            if row is not None and row.result is None:
                row.result, row.result_received_at = event.data, self.clock()

        @http("GET", "/joint-inspections/<inspection_id>")
        def show_joint_inspection(self, request, inspection_id):
            """The invitation, this agency's answer and findings, and the bureau's result with its own follow-up."""
            return joint_inspection_view(self.agency, self._joint_inspection(inspection_id))

        def _joint_inspection(self, inspection_id: str) -> JointInspectionColumns:
            row = self.db.session.get(record, inspection_id, with_for_update=True)
            if row is None:
                raise NotFound(f"{self.agency} holds no invitation to joint inspection {inspection_id!r} (not "
                               "invited, or the bureau's invitation has not arrived)")
            return row

    return JointInspectionEntrypoints


def joint_inspection_view(agency: str, row: JointInspectionColumns) -> dict:
    result = row.result
    return {
        "inspection_id": row.inspection_id, "agency": agency, "state": state_of(row), "region_code": row.region_code,
        "invitation": row.invitation, "received_at": row.received_at.isoformat(), "answer": row.answer,
        "findings": row.findings, "reported_at": row.reported_at.isoformat() if row.reported_at else None,
        "result": result,
        "result_received_at": row.result_received_at.isoformat() if row.result_received_at else None,
        "to_follow_up": [f for f in result["findings"] if f["lead_agency"] == agency] if result else [],
    }

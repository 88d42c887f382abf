"""HO-33 joint inspection (联合检查), the bureau's side after the invitation.

``matters.py`` sends the invitation (POST /joint-inspections) and keeps the answers of health_commission,
market_regulation and public_security as replies of the ``joint_inspection`` matter; finance's two answers are
kept here the same way. From those replies this module shows who accepted, declined and reported, and issues
the consolidated result to the participants. Mixed into HealthcareSecurityService (``clock``, ``db``,
``_matter``, ``_reply``).
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from shared.bus.runtime import handles_alike, http
from shared.http import Conflict, json_body
from shared.joint_inspection import refuse_repeated_findings
from shared.records import load

from . import domain, schemas
from .joint_inspection_models import JointInspectionResult

KIND = "joint_inspection"
BUREAU = "healthcare_security"


class JointFindingsRequest(Schema):
    """POST /joint-inspections/<id>/findings: the consolidated findings, who follows each up, and, when a
    department that accepted has not reported, why the result goes out without it."""

    findings = fields.List(fields.Nested(schemas.ConsolidatedFinding), required=True)
    reason = fields.String(validate=validate.Length(min=1, max=4000), metadata={
        "description": "Why the result is issued while a department that accepted has not reported."})


def departments(invited, replies: list[dict]) -> dict[str, dict]:
    """Per invited department, its answer and its findings as the bureau received them (None: not yet). The two
    replies travel on separate queues, so findings may arrive before the acceptance: each counts by itself."""
    status = {agency: {"answer": None, "findings": None} for agency in invited}
    for reply in replies:
        for kind, suffix in (("answer", ".joint_inspection.accepted.v1"),
                             ("findings", ".joint_inspection.findings_reported.v1")):
            if reply["signer"] in status and reply["type"].endswith(suffix):
                status[reply["signer"]][kind] = reply["data"]
    return status


def awaiting_findings(status: dict[str, dict]) -> list[str]:
    """Departments that accepted and have not reported. One that declined or never answered is not waited for."""
    return [a for a, s in status.items() if s["answer"] and s["answer"]["decision"] == "accepted" and not s["findings"]]


def participants(status: dict[str, dict]) -> list[str]:
    """Who can lead a follow-up: the bureau and every department that took part (accepted or reported)."""
    return [BUREAU] + [a for a, s in status.items()
                       if s["findings"] or (s["answer"] and s["answer"]["decision"] == "accepted")]


# Each invitee's answer and findings are kept as replies on the inspection (idempotent: the inbox).
InviteeReplies = handles_alike(
    "InviteeReplies",
    [f"fundlink.{agency}.joint_inspection.{what}.v1" for agency in domain.JOINT_INSPECTION_PARTNERS
     for what in ("accepted", "findings_reported")],
    lambda service, event: service._reply(KIND, event.data["inspection_id"], event),
    "recorded on the joint inspection")


class JointInspectionEntrypoints(InviteeReplies):

    @http("GET", "/joint-inspections/<inspection_id>")
    def show_joint_inspection(self, request, inspection_id):
        """Who was invited, who accepted, declined or has not answered, who reported, and the result once issued."""
        row = self._matter(KIND, inspection_id)
        return self._joint_inspection_view(row, load(domain.JointInspection, row.doc))

    @http("POST", "/joint-inspections/<inspection_id>/findings", request_schema=JointFindingsRequest,
          expected_exceptions=(Conflict,))
    def issue_joint_findings(self, request, inspection_id):
        """HO-33 result: the consolidated findings go to every department of the catalogue (those not invited
        ignore them), each finding naming the department that follows it up (the bureau, or one that took part).

        Issued once. While a department that accepted has not reported its findings, the result is refused (409,
        naming the departments) unless the officer states a ``reason`` (for instance a department that stays
        silent past the agreed date): the result then goes out, and the bureau keeps the reason and the
        departments that were missing. Departments that declined or never answered are not waited for."""
        body = JointFindingsRequest().load(json_body(request))
        refuse_repeated_findings(body["findings"])
        row = self._matter(KIND, inspection_id)
        inspection = load(domain.JointInspection, row.doc)
        status = departments(inspection.invited, row.replies)
        allowed = participants(status)
        wrong = {str(i): {"lead_agency": [f"{f['lead_agency']} did not take part; choose one of {allowed}"]}
                 for i, f in enumerate(body["findings"]) if f["lead_agency"] not in allowed}
        if wrong:
            raise ValidationError({"findings": wrong})
        if (done := self.db.session.get(JointInspectionResult, inspection_id)) is not None:
            raise Conflict(f"the result of joint inspection {inspection_id} was already issued at "
                           f"{done.reported_at.isoformat()}")
        missing = awaiting_findings(status)
        if missing and not body.get("reason"):
            raise Conflict(f"{', '.join(missing)} accepted joint inspection {inspection_id} but have not reported "
                           "their findings: wait for them, or state a reason to issue the result without them")
        now = self.clock()
        self.db.session.add(JointInspectionResult(
            inspection_id=inspection_id, findings=body["findings"], missing=missing,
            reason=body.get("reason") if missing else None, issued_by=request.claims["sub"], reported_at=now))
        self.db.publish(schemas.JointInspectionFindingsReported, {
            "inspection_id": inspection_id, "target_id": inspection.target_id, "findings": body["findings"],
            "reported_at": now.isoformat()}, subject=inspection_id, correlation_id=inspection_id,
            region=row.region_code)
        self.db.session.flush()
        return 201, self._joint_inspection_view(row, inspection)

    def _joint_inspection_view(self, row, inspection: domain.JointInspection) -> dict:
        status = departments(inspection.invited, row.replies)
        answers = {a: (s["answer"] or {}).get("decision") for a, s in status.items()}
        result = self.db.session.get(JointInspectionResult, inspection.inspection_id)
        return {
            "inspection_id": inspection.inspection_id, "region_code": row.region_code,
            "target_kind": inspection.target_kind, "target_id": inspection.target_id,
            "scheduled_for": inspection.scheduled_for.isoformat(), "invited": list(inspection.invited),
            "accepted": [a for a, d in answers.items() if d == "accepted"],
            "declined": [a for a, d in answers.items() if d == "declined"],
            "unanswered": [a for a, d in answers.items() if d is None],
            "reported": [a for a, s in status.items() if s["findings"]],
            "awaiting_findings": awaiting_findings(status),
            "departments": status,
            "result": None if result is None else {
                "findings": result.findings, "missing": result.missing, "reason": result.reason,
                "issued_by": result.issued_by, "reported_at": result.reported_at.isoformat()},
        }

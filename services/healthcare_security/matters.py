"""The bureau's entrypoints for matters other than cases: whistle-blower reports and rewards (HO-31/32),
referrals (HO-27/28/29), functionary clues (HO-30), joint inspections (HO-33), supervision reports (HO-36)
and agreement actions (HO-39). Mixed into HealthcareSecurityService, which provides ``clock``, ``db`` and
``publish_events``.

The reporter (举报人) is stored on the report row only; no payload built here has a field for them.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select

from shared.auth import may_see
from shared.bus.runtime import handles, http
from shared.calendar import china_calendar
from shared.http import Conflict, NotFound, json_body
from shared.records import dump, load

from . import domain, models, schemas
from .views import matter_view

ERRORS = (domain.DomainError,)
MATTER_TYPES: dict[str, type] = {
    "report": domain.Report, "reward": domain.Reward, "referral": domain.Referral, "clue": domain.Clue,
    "joint_inspection": domain.JointInspection, "supervision_report": domain.SupervisionReport,
    "agreement_action": dict,
}
# Timer transitions: silence past the limit changes the matter itself.
TIMER_STEPS = {"reward": domain.forfeit_if_uncollected, "supervision_report": domain.apply_silence}
CONFIDENTIAL = {"report": ("reporter",)}


class MatterEntrypoints:
    # --- HO-31 reports ----------------------------------------------------------------------------------

    # POST /reports (registering a report, HO-31) is in bureau_levels.py: it also hands the report on.

    @http("POST", "/reports/<report_id>/closure", expected_exceptions=ERRORS)
    def close_report(self, request, report_id):
        b = schemas.ReportClosure().load(json_body(request))
        return self._matter_step("report", report_id, domain.close_report, b["outcome"], self.clock(),
                                 facts_already_known=b["facts_already_known"],
                                 extra={"outcome_summary": b["outcome_summary"]})

    @http("POST", "/reports/<report_id>/reward", expected_exceptions=ERRORS)
    def approve_reward(self, request, report_id):
        b = schemas.RewardRequest().load(json_body(request))
        report = load(domain.Report, self._matter("report", report_id).doc)
        reward, _ = domain.approve_reward(report, b["reward_id"], b["loss_amount_fen"], b["reward_amount_fen"],
                                          b["approved_by"], self.clock())
        return 201, self._new_matter("reward", reward.reward_id, self._matter("report", report_id).region_code, reward)

    # --- HO-32 rewards ----------------------------------------------------------------------------------

    @http("POST", "/rewards/<reward_id>/notice", expected_exceptions=ERRORS)
    def serve_reward_notice(self, request, reward_id):
        approved_at = load(domain.Reward, self._matter("reward", reward_id).doc).approved_at
        return self._matter_step("reward", reward_id, domain.serve_reward_notice, self.clock(), china_calendar(),
                                 extra={"approved_at": approved_at})

    @http("POST", "/rewards/<reward_id>/collection", expected_exceptions=ERRORS)
    def collect_reward(self, request, reward_id):
        b = schemas.Collection().load(json_body(request))
        return self._matter_step("reward", reward_id, domain.collect_reward, self.clock(), **b)

    @handles("fundlink.finance.reward.paid.v1")
    def on_reward_paid(self, event):
        self._reply("reward", event.data["reward_id"], event)

    # --- HO-27/28/29 referrals --------------------------------------------------------------------------

    @http("POST", "/referrals", expected_exceptions=ERRORS)
    def send_referral(self, request):
        b = schemas.ReferralRequest().load(json_body(request))
        market = b["target"] == "market_regulation"  # the domain's matter is the market one only
        referral, events = domain.send_referral(
            b["referral_id"], b["target"], b["subject_kind"], b["subject_id"], b["findings"], self.clock(),
            china_calendar(), related_case_id=b.get("related_case_id"), amount_fen=b["amount_fen"],
            matter=b["matter"] if market else None)
        view = self._new_matter("referral", referral.referral_id, b["region_code"], referral)
        self.publish_events(events, b["region_code"], referral.referral_id,
                            {"subject_name": b["subject_name"], "matter": b["matter"]})
        return 201, view

    @handles("fundlink.health_commission.referral.outcome_reported.v1")
    def on_health_commission_outcome(self, event):
        self._referral_outcome(event)

    @handles("fundlink.market_regulation.referral.outcome_reported.v1")
    def on_market_regulation_outcome(self, event):
        self._referral_outcome(event)

    def _referral_outcome(self, event):
        d = event.data
        self._matter_step("referral", d["referral_id"], domain.record_referral_outcome, d["outcome"],
                          d["outcome_summary"], self.clock(), reply=event)

    # --- HO-30 clues ------------------------------------------------------------------------------------

    @http("POST", "/clues", expected_exceptions=ERRORS)
    def transfer_clue(self, request):
        b = schemas.ClueRequest().load(json_body(request))
        clue, events = domain.transfer_clue(b["clue_id"], b["functionary_unit"], b["clue_summary"], b["recipient"],
                                            self.clock())
        view = self._new_matter("clue", clue.clue_id, b["region_code"], clue)
        self.publish_events(events, b["region_code"], clue.clue_id, {k: b.get(k) for k in (
            "functionary_name", "suspicion", "related_case_id")})
        return 201, view

    @handles("fundlink.discipline_inspection.clue.acknowledged.v1")
    def on_clue_acknowledged_by_discipline_inspection(self, event):
        self._reply("clue", event.data["clue_id"], event)

    @handles("fundlink.procuratorate.clue.acknowledged.v1")
    def on_clue_acknowledged_by_procuratorate(self, event):
        self._reply("clue", event.data["clue_id"], event)

    # --- HO-33 joint inspections ------------------------------------------------------------------------

    @http("POST", "/joint-inspections", expected_exceptions=ERRORS)
    def invite_joint_inspection(self, request):
        b = schemas.JointInspectionRequest().load(json_body(request))
        now = self.clock()
        inspection, events = domain.invite_joint_inspection(b["inspection_id"], b["target_kind"], b["target_id"],
                                                            b["scheduled_for"], b["invited"], now)
        view = self._new_matter("joint_inspection", inspection.inspection_id, b["region_code"], inspection)
        self.publish_events(events, b["region_code"], inspection.inspection_id, {
            "inspection_kind": b["inspection_kind"], "target_name": b["target_name"], "scope": b["scope"],
            "invited_at": now})
        return 201, view

    # The invitees' answers and findings are recorded by joint_inspection_entrypoints.py.

    # --- HO-36 supervision report, HO-39 agreement actions ------------------------------------------------

    @http("POST", "/supervision-reports", expected_exceptions=ERRORS)
    def issue_supervision_report(self, request):
        b = schemas.SupervisionReportRequest().load(json_body(request))
        report, events = domain.issue_supervision_report(
            b["report_id"], b["supervised_unit"], [f["description"] for f in b["findings"]], self.clock(),
            china_calendar())
        view = self._new_matter("supervision_report", report.report_id, b["region_code"], report)
        self.publish_events(events, b["region_code"], report.report_id,
                            {"supervision_id": b["supervision_id"], "findings": b["findings"]})
        return 201, view

    @handles("fundlink.hs_center.supervision.opinion_submitted.v1")
    def on_supervision_opinion(self, event):
        """A late opinion is kept as a reply; the report stays deemed without objection (000:244)."""
        d = event.data
        row = self._matter("supervision_report", d["report_id"])
        report = load(domain.SupervisionReport, row.doc)
        if report.state is domain.SupervisionState.AWAITING_OPINION and not report.opinion_due.is_overdue(
                self.clock()):
            report, _ = domain.record_opinion(report, d["opinion"], self.clock())
        self._save_matter(row, report, reply=event)

    # The center's agreement actions (HO-39) are handled in agreement_actions.py (kept as a matter too).

    # --- reading ----------------------------------------------------------------------------------------

    @http("GET", "/matters/<kind>/<matter_id>")
    def show_matter(self, request, kind, matter_id):
        row = self._matter(kind, matter_id)
        value = load(MATTER_TYPES[kind], row.doc) if MATTER_TYPES[kind] is not dict else row.doc
        # The reporter (举报人) is shown only to the roles that handle reports (contracts/roles.yaml).
        hidden = tuple(f for f in CONFIDENTIAL.get(kind, ()) if not may_see(request.claims, f"{kind}.{f}"))
        return matter_view(kind, value, row.replies, self.clock(), confidential=hidden)

    # --- time ---------------------------------------------------------------------------------------------

    def sweep_matters(self, now: datetime, tally: tuple[Counter, Counter]) -> None:
        due = select(models.Matter).where(models.Matter.next_due_at.is_not(None)).with_for_update()
        for row in self.db.session.scalars(due):
            value = load(MATTER_TYPES[row.kind], row.doc)
            if row.kind in TIMER_STEPS:
                value, events = TIMER_STEPS[row.kind](value, now)
                self.publish_events(events, row.region_code, row.matter_id)  # a forfeited reward tells finance
            self._raise_alerts(row.kind, value, now, tally)
            self._save_matter(row, value)

    # --- plumbing -----------------------------------------------------------------------------------------

    def _matter(self, kind: str, matter_id: str) -> models.Matter:
        if kind not in MATTER_TYPES:
            raise NotFound(f"no kind of matter {kind!r}; known: {', '.join(MATTER_TYPES)}")
        row = self.db.session.get(models.Matter, (kind, matter_id), with_for_update=True)
        if row is None:
            raise NotFound(f"unknown {kind} {matter_id!r}: healthcare_security has no such {kind}")
        return row

    def _new_matter(self, kind: str, matter_id: str, region_code: str, value) -> dict:
        if self.db.session.get(models.Matter, (kind, matter_id)) is not None:
            raise Conflict(f"{kind} {matter_id} already exists")
        row = models.Matter(kind=kind, matter_id=matter_id, region_code=region_code, replies=[])
        return self._save_matter(row, value)

    def _save_matter(self, row: models.Matter, value, reply=None) -> dict:
        now = self.clock()
        deadlines = getattr(value, "deadlines", ())
        state = value["state"] if isinstance(value, dict) else getattr(value, "state", "recorded")
        row.state, row.doc, row.updated_at = getattr(state, "value", state), dump(value), now
        row.next_due_at = min((d.due_at for _, d in deadlines), default=None)
        if reply is not None:
            row.replies = [*row.replies, {"type": reply.type, "signer": reply.signer, "event_id": reply.id,
                                          "data": reply.data}]
        self.db.session.add(row)
        if isinstance(value, dict):
            return {"kind": row.kind, **value}
        return matter_view(row.kind, value, row.replies, now, confidential=CONFIDENTIAL.get(row.kind, ()))

    def _matter_step(self, kind: str, matter_id: str, transition, *args, extra=None, reply=None, **kwargs) -> dict:
        row = self._matter(kind, matter_id)
        value, events = transition(load(MATTER_TYPES[kind], row.doc), *args, **kwargs)
        view = self._save_matter(row, value, reply)
        self.publish_events(events, row.region_code, matter_id, extra)
        return view

    def _reply(self, kind: str, matter_id: str, event) -> None:
        row = self._matter(kind, matter_id)
        self._save_matter(row, load(MATTER_TYPES[kind], row.doc), reply=event)

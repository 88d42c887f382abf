"""Issue 11 item 4, the catalogue walk: every hand-off HO-01…HO-42 of contracts/boundary/handoffs.yaml driven
through the real bus in one run, producer to consumer, with all seven services running in this process.

The test iterates the catalogue, not the drivers: a hand-off without a driver fails by name. A driver is one small
scenario (some cover a group of hand-offs, like the budget chain HO-08…HO-11) that moves real officers' HTTP
requests through the producers, lets outside parties (government, congress, treasury, procuratorate …) answer with
their own keys as `fundlink party send` does, and says what it saw in the consumers' HTTP views. On top of that,
every event type of every hand-off is checked the same way:

- sent: it crossed the bus (a tap queue bound to every routing key) signed by its catalogued producer, and the
  producer published it itself (an event the walk had to sign for a service names the missing route);
- received: every catalogued consumer that is a service processed it (a `received` entry in its hand-off record,
  GET /audit); an outside party is seen on the bus;
- replied: the hand-off's reply events came back to the party that asked;
- deadline: where the catalogue sets one, a producer's or consumer's HTTP view shows its due time.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from helpers import metric_value, publish_envelope, signed, wait_for
from kombu import Connection, Queue

from services.finance.service import FinanceService
from services.health_commission.service import HealthCommissionService
from services.healthcare_security.service import HealthcareSecurityService
from services.hs_center.service import HsCenterService
from services.market_regulation.service import MarketRegulationService
from services.public_security.service import PublicSecurityService
from services.tax.service import TaxService
from shared.bus.catalogue import Handoff, catalogue
from shared.bus.topology import events_exchange
from shared.deadlines import SHANGHAI
from shared.parties.other import comparison_token
from shared.push.sample import write_sample

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CITY, PROVINCE = "460100", "460000"
OUTSIDE = "outside party: seen on the bus"

# --- one clock for the whole fleet -------------------------------------------------------------------------------
# Flows compute deadlines from "now"; the holiday table ends in 2026, so the walk keeps every date inside it.
CLOCK = {"now": datetime(2026, 11, 6, 9, 0, tzinfo=SHANGHAI)}



# Hand-offs that do not walk, each for a reason the test prints (a consumer without a handler, a producer
# without a route, a deadline not shown). Empty since all 42 walk (issue 11); it must stay empty.
KNOWN_GAPS: frozenset[str] = frozenset()

def at(year, month, day, hour=10, minute=0, second=0):
    CLOCK["now"] = datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)
    return CLOCK["now"]


def fixed_clock(self):
    return CLOCK["now"]


class Finance(FinanceService):
    clock = fixed_clock


class Center(HsCenterService):
    clock = fixed_clock

    def watch_deadlines(self, now):
        super().watch_deadlines(CLOCK["now"])


class Bureau(HealthcareSecurityService):
    clock = fixed_clock

    def watch_deadlines(self, now):
        super().watch_deadlines(CLOCK["now"])


class Tax(TaxService):
    chain_clock = fixed_clock
    clock = fixed_clock


class Police(PublicSecurityService):
    clock = fixed_clock


class Commission(HealthCommissionService):
    clock = fixed_clock


class Market(MarketRegulationService):
    clock = fixed_clock


FLEET = (("finance", Finance), ("hs_center", Center), ("healthcare_security", Bureau), ("tax", Tax),
         ("public_security", Police), ("health_commission", Commission), ("market_regulation", Market))


# --- what the walk sees ---------------------------------------------------------------------------------------------


class BusTap:
    """A queue bound to every routing key of the events exchange: what the bus carried, in order."""

    def __init__(self, amqp_uri):
        self.uri, self.name, self.seen = amqp_uri, f"test.walk.tap.{uuid.uuid4().hex[:8]}", []
        with Connection(self.uri) as conn:
            Queue(self.name, exchange=events_exchange, routing_key="#", durable=False)(conn.channel()).declare()

    def drain(self) -> list[dict]:
        with Connection(self.uri) as conn:
            queue = Queue(self.name, exchange=events_exchange, routing_key="#")(conn.channel())
            while (m := queue.get(no_ack=True)) is not None:
                h = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in (m.headers or {}).items()}
                try:
                    data = json.loads(m.body)
                except ValueError:
                    data = None
                self.seen.append({"type": h.get("ce-type"), "signer": h.get("ce-signer"),
                                  "subject": h.get("ce-subject"), "data": data})
        return self.seen

    def find(self, event_type, subject=None):
        return [e for e in self.drain() if e["type"] == event_type and (subject is None or e["subject"] == subject)]

    def wait(self, event_type, subject=None, timeout=30.0):
        found = until(lambda: self.find(event_type, subject), timeout=timeout,
                         message=f"{event_type} ({subject}) on the bus")
        return found[-1]["data"]

    def close(self):
        with contextlib.suppress(Exception), Connection(self.uri, connect_timeout=5) as conn:  # not auto-deleted
            conn.channel().queue_delete(self.name)


@dataclass
class Seen:
    """What a driver observed for one hand-off."""

    checks: list = field(default_factory=list)  # (what, ok)
    deadline: str | None = None  # the due time an HTTP view or gauge shows
    missing: dict = field(default_factory=dict)  # event type -> why the code cannot send it
    error: str | None = None

    def check(self, what: str, ok) -> None:
        self.checks.append((what, bool(ok)))


@dataclass
class Walk:
    fleet: object
    keys_dir: Path
    amqp_uri: str
    tmp: Path
    bus: BusTap
    seen: dict = field(default_factory=dict)  # hand-off id -> Seen
    forged: dict = field(default_factory=dict)  # event type -> why the walk had to sign for a service

    def of(self, handoff: str) -> Seen:
        return self.seen.setdefault(handoff, Seen())

    def call(self, agency, method, path, body=None, role=None, expect=(200, 201, 202)):
        r = self.fleet.call(method, agency, path, json=body, role=role, timeout=20)
        assert r.status_code in expect, f"{agency} {method} {path}: {r.status_code} {r.text[:400]}"
        return r.json()

    def get(self, agency, path, role=None):
        r = self.fleet.get(agency, path, role=role, timeout=20)
        return r.json() if r.ok else None

    def send_as(self, party, event_type, data, subject, region=CITY):
        """An outside party speaks with its own key, as `fundlink party send` does."""
        publish_envelope(self.amqp_uri, signed(self.keys_dir, party, event_type, data, subject=subject, region=region))

    def no_route(self, handoff, event_type, why):
        self.of(handoff).missing[event_type] = why


def until(predicate, timeout=30.0, message="condition"):
    """wait_for, where a view that is not there yet (None, a missing key) counts as "not yet"."""
    def safe():
        try:
            return predicate()
        except (TypeError, KeyError, IndexError, AttributeError):
            return None
    return wait_for(safe, timeout=timeout, message=message)


def find_due(value):
    """The first due time in an HTTP view: a ``due_at``/``due_date``/``collect_by`` anywhere in it."""
    if isinstance(value, dict):
        for key in ("due_at", "due_date", "collect_by"):
            if isinstance(value.get(key), str):
                return value[key]
        for v in value.values():
            if (found := find_due(v)) is not None:
                return found
    if isinstance(value, list):
        for v in value:
            if (found := find_due(v)) is not None:
                return found
    return None


def gauge_deadline(walk, agency, kind):
    """A deadline counted in the agency's ``fundlink_deadlines_open`` gauge."""
    n = metric_value(walk.fleet, agency, "fundlink_deadlines_open", kind=kind)
    return f"{agency} fundlink_deadlines_open{{kind={kind}}} = {n:g}" if n else None


# --- drivers: one small scenario per hand-off or group ----------------------------------------------------------


def drive_collection(w: Walk) -> None:
    """HO-01…HO-05: tax pushes a detailed feed, the center reconciles and reports discrepancies, tax answers;
    a region's feed not in by the 5th is overdue; an enrollment is registered; the treasury reports."""
    at(2026, 11, 6, 9)
    # Seed 4 plants an employer the center never registered among the discrepancies: tax refers it (HO-35).
    s = write_sample(w.tmp / "feed.csv", w.tmp / "registry.csv", lines=400, seed=4, planted_per_kind=2)
    with open(s.registry, "rb") as body:
        r = w.fleet.post("hs_center", "/registry.csv", data=body, timeout=60)
    assert r.status_code == 200 and r.json()["bad_count"] == 0, r.text
    feed_id = "F-WALK-2026-10"
    env = {**os.environ, "AMQP_URI": w.amqp_uri, "FUNDLINK_KEYS_DIR": str(w.keys_dir)}
    done = subprocess.run([sys.executable, "-c", "from shared.entry import main; main()", "tax", "push", str(s.feed),
                           "--region", PROVINCE, "--level", "province", "--treasury-code", "HK-0101",
                           "--feed-id", feed_id], env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    ho1, ho2, ho3 = w.of("HO-01"), w.of("HO-02"), w.of("HO-03")
    center = until(lambda: (f := w.get("hs_center", f"/feeds/{feed_id}")) and f.get("status") == "discrepancies"
                      and f, message="the center to reconcile the pushed feed")
    ho1.check("hs_center reconciled the feed (status discrepancies)", center)
    tax_feed = until(lambda: (f := w.get("tax", f"/feeds/{feed_id}")) and f.get("status")
                        == "discrepancies_reported" and f, message="tax to record the center's answer")
    ho1.deadline = tax_feed.get("due_at")
    ho2.check("tax holds the reconciliation", tax_feed["reconciliation"])
    ho2.deadline = find_due({k: v for k, v in center.items() if k != "due_at"}) or find_due(tax_feed["reconciliation"])
    report = until(lambda: (r := w.get("tax", f"/discrepancies/DISC-{feed_id}")) and r.get("received_parts")
                      == r.get("parts") and r, message="tax to hold the discrepancy report")
    ho3.check("tax holds the center's discrepancy report", report["items"])
    answers = [{"item_id": i["item_id"], "resolution": "under_investigation", "comment": "checking with the payer"}
               for i in report["items"]]
    w.call("tax", "POST", f"/discrepancies/DISC-{feed_id}/corrections", {"correction_id": "C-WALK-1",
                                                                         "resolutions": answers})
    ho3.check("the corrected feed's answers reached the center", until(
        lambda: any(i.get("resolution") == "under_investigation" for i in
                    w.get("hs_center", f"/feeds/{feed_id}/discrepancies")["items"]),
        message="the center to keep tax's answers"))

    # 460300's September feed never came: the center's watch raises it on its clock (the 6th of November).
    w.call("hs_center", "POST", "/feed-schedule", {"region_code": "460300", "first_period": "2026-09"})
    notice = w.bus.wait("fundlink.hs_center.collection.feed_overdue.v1")
    ho1.check("the missing feed is announced overdue", notice["region_code"] == "460300")

    # HO-04: an enrollment reaches tax, tax acknowledges it.
    ho4 = w.of("HO-04")
    r = w.call("hs_center", "POST", "/registrations", {
        "registration_id": "REG-WALK-1", "payer_id": "91460100MA5T00000X", "payer_kind": "employer",
        "scheme": "employee", "region_code": CITY, "insured_person_count": 12, "monthly_due_fen": 1_200_000,
        "change_type": "new", "effective_from": "2026-11-01", "applied_on": "2026-10-20"})
    ho4.deadline = find_due(r)
    until(lambda: [e for e in w.bus.find("fundlink.tax.enrollment.acknowledged.v1")
                   if e["data"]["registration_id"] == "REG-WALK-1"], message="tax's acknowledgement")
    ack = [e for e in w.bus.seen if e["type"] == "fundlink.tax.enrollment.acknowledged.v1"][-1]["data"]
    ho4.check("tax accepted the registration", ack["status"] == "accepted")

    # HO-05: the treasury's monthly report, set beside tax's collection.
    ho5 = w.of("HO-05")
    w.send_as("treasury", "fundlink.treasury.revenue.monthly_report_published.v1", {
        "report_id": "GK-WALK-2026-10", "treasury_code": "HK-0101", "region_code": PROVINCE, "period": "2026-10",
        "lines": [{"scheme": "employee", "amount_fen": 1_000_000}], "published_at": "2026-11-04T10:00:00+08:00"},
        "GK-WALK-2026-10", region=PROVINCE)
    got = until(lambda: w.get("tax", "/treasury-reports/GK-WALK-2026-10"), message="tax to record the report")
    ho5.check("tax compares the treasury report with its collection", got.get("comparison"))
    ho5.deadline = find_due(got)


def drive_treasury_and_subsidy(w: Walk) -> None:
    """HO-06 ten-day transfer on finance's voucher; HO-07 a city's resident matching subsidy."""
    ho6, ho7 = w.of("HO-06"), w.of("HO-07")
    at(2026, 3, 11, 9)
    w.call("finance", "POST", "/treasury-schedules",
           {"treasury_code": "T-WALK", "region_code": CITY, "first_dekad": "2026-03-D1"})
    r = w.call("finance", "POST", "/premium-transfer-vouchers", {
        "voucher_id": "V-WALK-D1", "dekad": "2026-03-D1", "treasury_code": "T-WALK", "region_code": CITY,
        "scheme": "employee", "amount_fen": 12_345_678_91})
    ho6.deadline = find_due(r)
    w.bus.wait("fundlink.finance.premium_transfer.voucher_issued.v1", "V-WALK-D1")
    w.send_as("treasury", "fundlink.treasury.premium.transferred.v1", {
        "voucher_id": "V-WALK-D1", "transfer_id": "TR-WALK", "scheme": "employee", "amount_fen": 12_345_678_91,
        "to_account": "fiscal_special:employee", "value_date": "2026-03-12",
        "transferred_at": "2026-03-12T10:00:00+08:00"}, "V-WALK-D1")
    ho6.check("finance records the treasury's transfer", until(
        lambda: any(v["voucher_id"] == "V-WALK-D1" and v["transferred"]
                    for v in w.get("finance", "/premium-transfer-vouchers")["vouchers"]),
        message="the transfer at finance"))
    at(2026, 7, 1)
    w.call("finance", "POST", "/resident-subsidies/rounds", {"year": 2026, "regions": [CITY]})
    r = w.call("finance", "POST", "/resident-subsidies", {
        "remittance_id": "RS-WALK-460100", "year": 2026, "region_code": CITY, "insured_person_count": 500_000,
        "amount_fen": 3_000_000_00})
    ho7.deadline = find_due(r)
    ho7.check("provincial finance received and confirmed the subsidy", until(
        lambda: any(x["remittance_id"] == "RS-WALK-460100" and x["confirmed"]
                    for x in w.get("finance", "/resident-subsidies/2026")["remittances"]),
        message="the subsidy confirmed"))


BUDGET = "BUD-2026-460100"
SCHEMES = [{"scheme": "employee", "revenue_fen": 80_000_000_00, "expenditure_fen": 75_000_000_00,
            "balance_fen": 5_000_000_00, "insured_person_count": 300_000}]


def drive_budget_chain(w: Walk) -> None:
    """HO-08…HO-11: center + tax → bureau → finance → joint submission → government → congress (Hainan chain)."""
    ho8, ho9, ho10, ho11 = (w.of(h) for h in ("HO-08", "HO-09", "HO-10", "HO-11"))
    at(2025, 10, 15)
    w.call("hs_center", "POST", "/budget-drafts", {"draft_id": BUDGET, "year": 2026, "region_code": CITY,
                                                   "region_level": "city", "schemes": SCHEMES})
    w.call("tax", "POST", f"/budget-drafts/{BUDGET}/revenue-confirmation", {
        "year": 2026, "region_code": CITY, "lines": [{"scheme": "employee", "revenue_fen": 80_000_000_00}]})
    until(lambda: w.get("hs_center", f"/budget-drafts/{BUDGET}")["tax_cosigned"], message="tax's co-signature")
    w.call("hs_center", "POST", f"/budget-drafts/{BUDGET}/submit")
    at_bureau = until(lambda: w.get("healthcare_security", f"/budget-drafts/{BUDGET}"),
                         message="the draft at the bureau")
    ho8.check("the bureau holds the submitted draft", at_bureau.get("status") == "awaiting_review")
    at(2025, 10, 25)
    w.call("healthcare_security", "POST", f"/budget-drafts/{BUDGET}/review", {"decision": "forwarded"})
    ho9.check("finance holds the bureau-reviewed draft", until(
        lambda: (d := w.get("finance", f"/budget-drafts/{BUDGET}")) and d["state"] == "hs_reviewed",
        message="the forwarded draft at finance"))
    at(2025, 10, 28)
    w.call("finance", "POST", f"/budget-drafts/{BUDGET}/review", {"decision": "agreed"})
    ho10.check("the bureau sees finance's agreement", until(
        lambda: w.get("healthcare_security", f"/budget-drafts/{BUDGET}")["status"] == "finance_agreed",
        message="finance's review at the bureau"))
    # Finance signs its own part; the bureau and tax sign the joint step with their own keys at their services.
    w.call("finance", "POST", f"/budget-drafts/{BUDGET}/signatures", {"agency": "finance"})
    until(lambda: w.get("tax", f"/approval-chains/budget/{BUDGET}")["awaiting"] == ["healthcare_security", "tax"],
          message="the joint step at tax")
    w.call("tax", "POST", f"/approval-chains/budget/{BUDGET}/signature", {"decision": "signed"}, role="head")
    until(lambda: w.get("healthcare_security", f"/budget-drafts/{BUDGET}")["figures"]["chain"]["awaiting"]
          == ["healthcare_security"], message="the joint step at the bureau")
    w.call("healthcare_security", "POST", f"/approval-chains/budget/{BUDGET}/signature", {"decision": "signed"},
           role="head")
    joint = w.bus.wait("fundlink.finance.budget.joint_submission_sent.v1", BUDGET)
    ho10.check("the joint submission went to the government, signed by all three", sorted(
        s["agency"] for s in joint["signatories"]) == ["finance", "healthcare_security", "tax"])
    ho10.check("tax and the bureau signed with their own keys", {
        e["signer"] for e in w.bus.find("fundlink.healthcare_security.chain_step.signed.v1", BUDGET)
        + w.bus.find("fundlink.tax.chain_step.signed.v1", BUDGET)} == {"healthcare_security", "tax"})
    at(2025, 11, 3)
    w.send_as("people_government", "fundlink.people_government.budget.approved.v1", {
        "approval_id": "HKGOV-WALK-1", "draft_id": BUDGET, "submission_id": joint["submission_id"], "year": 2026,
        "region_code": CITY, "decision": "approved", "requires_congress": True,
        "approving_body": "Haikou people's government", "approved_at": "2025-11-03T10:00:00+08:00"}, BUDGET)
    ho11.check("finance records the government's approval", until(
        lambda: w.get("finance", f"/budget-drafts/{BUDGET}")["state"] == "government_approved",
        message="the government's approval at finance"))
    at(2025, 11, 8)
    w.send_as("peoples_congress", "fundlink.peoples_congress.budget.approved.v1", {
        "approval_id": "HKPC-WALK-1", "draft_id": BUDGET, "year": 2026, "region_code": CITY, "decision": "approved",
        "approving_body": "congress", "approved_at": "2025-11-08T10:00:00+08:00"}, BUDGET)
    ho11.check("the center's budget is approved", until(
        lambda: w.get("hs_center", f"/budget-drafts/{BUDGET}")["status"] == "approved", message="approval at center"))
    ho11.check("the bureau records the congress's approval", until(
        lambda: w.get("healthcare_security", f"/budget-drafts/{BUDGET}")["status"] == "congress_approved",
        message="approval at the bureau"))


def drive_execution_report(w: Walk) -> None:
    """HO-12: the center's quarterly execution report against the approved budget."""
    ho = w.of("HO-12")
    at(2026, 4, 20)
    r = w.call("hs_center", "POST", "/budget-execution-reports", {
        "report_id": "X-WALK-Q1", "draft_id": BUDGET, "quarter": "2026-Q1", "actuals": {"employee": [250_00, 190_00]}})
    ho.deadline = find_due(r)
    ho.check("finance keeps the execution report", until(
        lambda: [n for n in w.get("finance", "/notices")["notices"] if n["kind"] == "execution_report"],
        message="the execution report at finance"))
    w.call("tax", "POST", "/budget-execution-reports", {
        "report_id": "TX-WALK-Q1", "year": 2026, "quarter": "2026-Q1", "region_code": CITY,
        "lines": [{"scheme": "employee", "budget_revenue_fen": 80_000_000_00, "collected_fen": 21_000_000_00}]})
    ho.check("finance keeps tax's report beside the center's", until(
        lambda: [n for n in w.get("finance", "/notices")["notices"] if n["kind"] == "tax_execution_report"],
        message="tax's execution report at finance"))


def _chain(w, kind, draft_id):
    return w.get("finance", f"/approval-chains/{kind}/{draft_id}")


def _wait_chain(w, kind, draft_id, state, awaiting=None):
    def ready():
        c = _chain(w, kind, draft_id)
        return c and c["state"] == state and (awaiting is None or (c["waiting_for"] or {}).get("by") == awaiting) and c
    return until(ready, message=f"{kind} {draft_id} at {state} waiting for {awaiting}")


def drive_adjustment(w: Walk) -> None:
    """HO-13: the budget-adjustment chain, every signatory signing with its own key (as test_money_remaining)."""
    ho, adj = w.of("HO-13"), "ADJ-WALK-460100"
    at(2026, 5, 10)
    proposal = w.call("hs_center", "POST", "/budget-adjustments", {
        "adjustment_id": adj, "draft_id": BUDGET, "reason": "dengue outbreak raises spending; fewer payers",
        "deltas": {"employee": [-1_000_000, 40_000_000]}})
    ho.check("a revenue change waits for tax's co-signature", proposal["status"] == "awaiting_tax")
    w.call("tax", "POST", f"/budget-adjustments/{adj}/cosignature", {
        "region_code": CITY, "delta_revenue_fen": -1_000_000, "delta_expenditure_fen": 40_000_000,
        "decision": "signed"}, role="head")
    _wait_chain(w, "adjustment", adj, "proposed", ["healthcare_security", "finance"])
    ho.check("the proposal went out co-signed by tax's own event", w.bus.find(
        "fundlink.hs_center.budget_adjustment.proposed.v1", adj)[-1]["data"]["tax_cosigned"])
    until(lambda: "healthcare_security" in w.get("healthcare_security", f"/approval-chains/adjustment/{adj}")
          ["figures"]["chain"]["awaiting"], message="the bureau's copy of the chain")
    w.call("healthcare_security", "POST", f"/approval-chains/adjustment/{adj}/signature", {"decision": "signed"},
           role="head")
    _wait_chain(w, "adjustment", adj, "proposed", ["finance"])
    w.call("finance", "POST", f"/approval-chains/adjustment/{adj}/decision", {"decision": "signed"}, role="head")
    _wait_chain(w, "adjustment", adj, "local_reviewed", ["people_government"])
    w.send_as("people_government", "fundlink.people_government.budget_adjustment.approved.v1", {
        "approval_id": "HK-GOV-WALK-7", "adjustment_id": adj, "region_code": CITY, "government_level": "city",
        "decision": "agreed", "decided_at": "2026-05-16T10:00:00+08:00"}, adj)
    _wait_chain(w, "adjustment", adj, "local_government_agreed",
                ["provincial_healthcare_security", "provincial_tax", "provincial_finance"])
    until(lambda: (w.get("tax", f"/approval-chains/adjustment/{adj}") or {}).get("pending_step")
             == "province_compiled", message="tax's copy of the chain")
    for agency in ("tax", "healthcare_security"):
        w.call(agency, "POST", f"/approval-chains/adjustment/{adj}/signature",
               {"decision": "signed", "signer_region_code": PROVINCE}, role="head")
    _wait_chain(w, "adjustment", adj, "local_government_agreed", ["provincial_finance"])
    w.call("finance", "POST", f"/approval-chains/adjustment/{adj}/decision",
           {"decision": "signed", "signer_region_code": PROVINCE}, role="head")
    _wait_chain(w, "adjustment", adj, "province_compiled", ["provincial_people_government"])
    w.send_as("people_government", "fundlink.people_government.budget_adjustment.approved.v1", {
        "approval_id": "HN-GOV-WALK-31", "adjustment_id": adj, "region_code": PROVINCE,
        "government_level": "province", "decision": "agreed", "decided_at": "2026-06-02T10:00:00+08:00"}, adj,
        region=PROVINCE)
    _wait_chain(w, "adjustment", adj, "provincial_government", ["provincial_npc_standing_committee"])
    w.send_as("peoples_congress", "fundlink.peoples_congress.budget_adjustment.approved.v1", {
        "approval_id": "HNPC-SC-WALK-12", "adjustment_id": adj, "decision": "approved",
        "approved_at": "2026-06-20T10:00:00+08:00"}, adj, region=PROVINCE)
    ho.check("the center's adjustment is approved", until(
        lambda: w.get("hs_center", f"/budget-adjustments/{adj}")["status"] == "approved",
        message="the approval at the center"))
    ho.check("finance's chain is complete", _chain(w, "adjustment", adj)["complete"])
    ho.check("the approved adjustment is applied to the budget lines", until(
        lambda: w.get("hs_center", f"/budget-drafts/{BUDGET}")["budget"][0]["adjusted"]
        == {"revenue_fen": 80_000_000_00 - 1_000_000, "expenditure_fen": 75_000_000_00 + 40_000_000,
            "balance_fen": 5_000_000_00 - 41_000_000}, message="the adjusted budget at the center"))
    ho.check("finance's budget shows the adjusted totals", w.get("finance", f"/budget-drafts/{BUDGET}")["budget"]
             ["adjusted"] == {"revenue_fen": 80_000_000_00 - 1_000_000, "expenditure_fen": 75_000_000_00 + 40_000_000})


def drive_final_accounts(w: Walk) -> None:
    """HO-14: the province's final accounts: center → bureau → finance → joint submission → government → the
    provincial NPC standing committee (004:27)."""
    ho, fa = w.of("HO-14"), "FA-WALK-2025-460000"
    at(2026, 3, 2)
    w.call("hs_center", "POST", "/final-accounts", {"draft_id": fa, "year": 2025, "region_code": PROVINCE, "schemes": [
        {"scheme": "employee", "revenue_fen": 81_000_000_00, "expenditure_fen": 76_500_000_00,
         "rolling_balance_fen": 9_500_000_00}]})
    until(lambda: w.get("healthcare_security", f"/final-accounts/{fa}"), message="final accounts at the bureau")
    w.call("healthcare_security", "POST", f"/final-accounts/{fa}/review", {"decision": "forwarded"}, role="head")
    _wait_chain(w, "final_accounts", fa, "hs_reviewed", ["finance"])
    ho.check("the center sees the bureau's review", until(
        lambda: w.get("hs_center", f"/final-accounts/{fa}")["status"] == "forwarded", message="review at the center"))
    w.call("finance", "POST", f"/approval-chains/final_accounts/{fa}/decision", {"decision": "signed"}, role="head")
    w.call("finance", "POST", f"/approval-chains/final_accounts/{fa}/decision", {"decision": "signed"}, role="head")
    until(lambda: ((w.get("healthcare_security", f"/final-accounts/{fa}") or {}).get("figures") or {})
             .get("chain", {}).get("awaiting") == ["healthcare_security"], message="the joint step at the bureau")
    w.call("healthcare_security", "POST", f"/approval-chains/final_accounts/{fa}/signature", {"decision": "signed"},
           role="head")
    joint = w.bus.wait("fundlink.finance.final_accounts.joint_submission_sent.v1", fa)
    w.send_as("people_government", "fundlink.people_government.final_accounts.approved.v1", {
        "approval_id": "HN-GOV-WALK-FA", "draft_id": fa, "submission_id": joint["submission_id"], "year": 2025,
        "region_code": PROVINCE, "decision": "approved", "requires_congress": True,
        "approved_at": "2026-03-20T10:00:00+08:00"}, fa, region=PROVINCE)
    ho.check("finance records the government's approval; the standing committee is next", _wait_chain(
        w, "final_accounts", fa, "government_approved", ["provincial_npc_standing_committee"]))
    ho.check("the bureau records the government's approval", until(
        lambda: w.get("healthcare_security", f"/final-accounts/{fa}")["status"] == "government_approved",
        message="the approval at the bureau"))
    w.send_as("peoples_congress", "fundlink.peoples_congress.final_accounts.approved.v1", {
        "approval_id": "HNPC-SC-WALK-FA", "draft_id": fa, "year": 2025, "decision": "approved",
        "approved_at": "2026-03-28T10:00:00+08:00"}, fa, region=PROVINCE)
    ho.check("finance's chain ends with the standing committee's approval", _wait_chain(
        w, "final_accounts", fa, "npc_standing_committee_approved")["complete"])
    ho.check("the center's final accounts are approved", until(
        lambda: w.get("hs_center", f"/final-accounts/{fa}")["status"] == "approved",
        message="the approval at the center"))


PLAN, QUARTER, MONTHS = "C-WALK-2026-Q1", "2026-Q1", ("2026-01", "2026-02", "2026-03")


def drive_fund_use_plan(w: Walk) -> None:
    """HO-15…HO-19: a city's quarterly plan, its consolidation, the joint review, one month's allocation and the
    disbursement to the city's expenditure account."""
    ho15, ho16, ho17, ho18, ho19 = (w.of(f"HO-{n}") for n in range(15, 20))
    at(2025, 10, 20)
    w.call("hs_center", "POST", "/fund-use-plans/rounds", {"quarter": QUARTER, "expected_regions": [CITY]})
    at(2025, 11, 12)
    r = w.call("hs_center", "POST", "/fund-use-plans", {
        "plan_id": f"P-WALK-{QUARTER}-{CITY}", "quarter": QUARTER, "region_code": CITY, "basis": f"budget {BUDGET}",
        "lines": [{"month": m, "scheme": "employee", "amount_fen": 31_000_000_00} for m in MONTHS]})
    ho15.deadline = find_due(r)
    ho15.check("the provincial center received the city's plan", until(
        lambda: ((w.get("hs_center", f"/fund-use-plans/rounds/{QUARTER}")["regions"].get(CITY)) or {})
        .get("received"), message="the plan at the provincial center"))
    at(2025, 12, 5)
    r = w.call("hs_center", "POST", "/fund-use-plans/consolidations", {"plan_id": PLAN, "quarter": QUARTER})
    ho16.deadline = find_due(r) or gauge_deadline(w, "hs_center", "fund_use_plan_consolidation")
    review = until(lambda: w.get("finance", f"/fund-use-plans/{PLAN}"), message="the consolidated plan at finance")
    ho16.check("finance holds the consolidated plan", review["requested"])
    at(2025, 12, 20)
    r = w.call("finance", "POST", f"/fund-use-plans/{PLAN}/review", {
        "reviewed_by": ["finance", "healthcare_security"],
        "approved_lines": [{**ln, "reason": ""} for ln in review["requested"]]})
    ho17.deadline = find_due(r) or find_due(w.get("finance", f"/fund-use-plans/{PLAN}"))
    ho17.check("the center has the approved split", until(
        lambda: w.get("hs_center", f"/fund-use-plans/rounds/{QUARTER}")["consolidation"]["status"] != "consolidated",
        message="the approved split at the center"))
    w.call("finance", "POST", "/accounts", {"account": "fiscal_special:employee", "amount_fen": 1_000_000_000_00})
    at(2025, 12, 26)
    r = w.call("finance", "POST", "/allocations", {"allocation_id": "A-WALK-2026-01", "plan_id": PLAN,
                                                   "month": "2026-01", "scheme": "employee",
                                                   "amount_fen": 31_000_000_00})
    ho18.deadline = find_due(r) or gauge_deadline(w, "finance", "fund_allocation")
    ho18.check("the center confirmed receipt of the allocation", until(
        lambda: [a for a in w.get("finance", f"/allocations?plan_id={PLAN}")["allocations"] if a["received_on"]],
        message="the center's receipt"))
    at(2026, 1, 3)
    r = w.call("hs_center", "POST", "/disbursements", {
        "disbursement_id": "D-WALK-2026-01", "plan_id": PLAN, "region_code": CITY, "month": "2026-01",
        "scheme": "employee", "amount_fen": 31_000_000_00})
    ho19.deadline = find_due(r) or gauge_deadline(w, "hs_center", "fund_disbursement")
    ho19.check("the city confirmed the disbursement", until(
        lambda: [d for d in w.get("hs_center", "/disbursements")["disbursements"]
                 if d["disbursement_id"] == "D-WALK-2026-01" and d["confirmed"]], message="the confirmation"))


def drive_fund_operation_report(w: Walk) -> None:
    """HO-20: a city's quarterly fund operation report, consolidated by the province and sent up."""
    ho = w.of("HO-20")
    at(2026, 3, 25)
    w.call("hs_center", "POST", "/fund-operation-reports/rounds", {"quarter": "2026-Q1", "expected_regions": [CITY]})
    at(2026, 4, 8)
    line = {"scheme": "employee", "revenue_fen": 20_000_000_00, "expenditure_fen": 18_000_000_01,
            "rolling_balance_fen": 6_000_000_00, "insured_person_count": 310_000}
    w.call("hs_center", "POST", "/fund-operation-reports", {
        "report_id": "FO-WALK-Q1-460100", "quarter": "2026-Q1", "region_code": CITY, "region_level": "city",
        "lines": [line]})
    until(lambda: (w.get("hs_center", "/fund-operation-reports/rounds/2026-Q1")["regions"][CITY] or {})
             .get("received"), message="the city report at the provincial center")
    w.call("hs_center", "POST", "/fund-operation-reports/consolidations",
           {"report_id": "FO-WALK-Q1-460000", "quarter": "2026-Q1"})
    for agency in ("finance", "healthcare_security"):
        ho.check(f"{agency} keeps the provincial report", until(
            lambda a=agency: [x for x in w.get(a, "/fund-operation-reports")["reports"]
                              if x["report_id"] == "FO-WALK-Q1-460000"], message=f"the report at {agency}"))


def drive_settlement(w: Walk) -> None:
    """HO-21: a claim filed by the 20th, its 45-working-day clock, paid by the head's approval."""
    ho = w.of("HO-21")
    at(2026, 8, 20, 16)
    claim = w.call("hs_center", "POST", "/settlement-claims", {
        "claim_id": "CLM-WALK-2026-07", "institution_id": "H460100009", "region_code": CITY, "month": "2026-07",
        "claimed_fen": 500_000})
    ho.deadline = find_due(claim.get("payment_due")) or find_due(claim)
    ho.check("the claim's clock is open at the center", until(
        lambda: [o for o in w.get("hs_center", "/settlement-deadlines")["open"]], message="the open clock"))
    at(2026, 9, 1, 15)
    paid = w.call("hs_center", "POST", "/settlement-claims/CLM-WALK-2026-07/payment", {"approved_fen": 500_000},
                  role="head")
    ho.check("the claim is paid", paid["status"] == "paid")


# --- cases (HO-22…HO-26, HO-39 suspension) -------------------------------------------------------------------------


def _case(w, case_id):
    return w.get("healthcare_security", f"/cases/{case_id}")


def _wait_case(w, case_id, state):
    return until(lambda: (c := _case(w, case_id)) and c["state"] == state and c, message=f"{case_id} {state}")


def _due(case, step_prefix):
    for e in case["timeline"]:
        if e["step"].startswith(step_prefix) and e.get("deadline"):
            return e["deadline"]["due_at"]
    return None


def _sha(n):
    return f"{n:064x}"


TRANSFER_REPORT = {
    "officers": ["officer Wang", "officer Li"],
    "suspect": {"kind": "unit", "name": "Haikou Kangning Hospital", "id_number": "91460100MA5T00001X"},
    "facts_summary": "ghost admissions billed to the pool fund", "amount_defrauded_fen": 1_250_000,
    "conduct_period": "2025-01/2025-12", "legal_basis": ["Criminal Law art. 266"],
    "attachments": [
        {"kind": "transfer_letter", "document_id": "store://cases/C/letter", "title": "letter.pdf",
         "sha256": _sha(1), "size_bytes": 2048},
        {"kind": "investigation_report", "document_id": "store://cases/C/report", "title": "report.pdf",
         "sha256": _sha(2), "size_bytes": 4096}]}


def _investigating(w, case_id):
    w.call("healthcare_security", "POST", "/cases", {"case_id": case_id, "region_code": CITY})
    w.call("healthcare_security", "POST", f"/cases/{case_id}/filing", {"filed_by": "section chief Zhao"})
    w.call("healthcare_security", "POST", f"/cases/{case_id}/investigation",
           {"officers": ["officer Wang", "officer Li"]})


def _transferred(w, case_id, day):
    at(2026, 9, day, 9)
    _investigating(w, case_id)
    w.call("healthcare_security", "POST", f"/cases/{case_id}/findings", {"amount_defrauded_fen": 1_250_000})
    w.call("healthcare_security", "POST", f"/cases/{case_id}/transfer-report", TRANSFER_REPORT)
    at(2026, 9, day, 10)
    w.call("healthcare_security", "POST", f"/cases/{case_id}/transfer-decision",
           {"decided_by": "director Sun", "approve": True})
    at(2026, 9, day, 11)
    w.call("healthcare_security", "POST", f"/cases/{case_id}/transfer")
    return _wait_case(w, case_id, "police_reviewing")


def drive_cases(w: Walk) -> None:
    """HO-22…HO-26: one case filed by the police and its evidence handed over; one not filed, reconsidered,
    upheld, and put to the procuratorate."""
    ho22, ho23, ho24, ho25, ho26 = (w.of(f"HO-{n}") for n in range(22, 27))
    case = _transferred(w, "C-WALK-1", 1)
    police = w.get("public_security", "/cases/C-WALK-1")
    ho22.check("the police hold the transferred case", police and police.get("state"))
    ho22.deadline = _due(case, "transfer_approved")
    ho23.check("the bureau has the police receipt", any(e["step"] == "receipt_signed" for e in case["timeline"]))
    ho23.deadline = _due(case, "transferred_to_police")
    ho24.deadline = _due(case, "police_reviewing") or find_due(police.get("filing_due"))
    at(2026, 9, 2, 15)
    w.call("public_security", "POST", "/cases/C-WALK-1/filing-decision",
           {"decision": "filed", "police_case_number": "HK-2026-WALK-1"})
    case = _wait_case(w, "C-WALK-1", "filed_by_police")
    ho24.check("the bureau records the police's filing decision", case)
    ho26.deadline = next((e["deadline"]["due_at"] for e in case["timeline"]
                          if e.get("handoff") == "public_security.case.filing_decided" and e.get("deadline")), None)
    at(2026, 9, 3, 9)
    w.call("healthcare_security", "POST", "/cases/C-WALK-1/evidence-handover", {"handover_id": "H-WALK-1", "items": [
        {"kind": "document", "description": "ledgers 2025", "document_id": "store://cases/C/ledgers"}]})
    ho26.check("the police confirmed the evidence", until(
        lambda: _case(w, "C-WALK-1")["timeline"][-1]["step"] == "evidence_received: H-WALK-1",
        message="the police's confirmation of the evidence"))

    _transferred(w, "C-WALK-2", 7)
    at(2026, 9, 8, 15)
    w.call("public_security", "POST", "/cases/C-WALK-2/filing-decision",
           {"decision": "not_filed", "reasons": "amount not proven", "files_returned": True})
    case = _wait_case(w, "C-WALK-2", "not_filed")
    ho25.deadline = _due(case, "not_filed")
    at(2026, 9, 9, 9)
    w.call("healthcare_security", "POST", "/cases/C-WALK-2/reconsideration", {"grounds": "ledgers show 12,500 yuan"})
    ho25.check("the police hold the reconsideration request", until(
        lambda: w.get("public_security", "/cases/C-WALK-2")["state"] == "reconsideration_requested",
        message="the police to receive the request"))
    at(2026, 9, 10, 10)
    w.call("public_security", "POST", "/cases/C-WALK-2/reconsideration-decision",
           {"decision": "upheld", "reasons": "the ledgers do not prove intent"})
    ho25.check("the bureau records the police's reconsideration decision",
               _wait_case(w, "C-WALK-2", "reconsideration_decided"))
    at(2026, 9, 11, 9)
    w.call("healthcare_security", "POST", "/cases/C-WALK-2/filing-supervision",
           {"grounds": "the police uphold not filing a 12,500-yuan fraud"})
    w.bus.wait("fundlink.healthcare_security.case.filing_supervision_requested.v1", "C-WALK-2")


def drive_referrals(w: Walk) -> None:
    """HO-27…HO-29: referrals to the health commission and market regulation, and their outcomes."""
    ho27, ho28, ho29 = w.of("HO-27"), w.of("HO-28"), w.of("HO-29")
    at(2026, 9, 14, 9)
    base = {"region_code": CITY, "subject_kind": "institution", "subject_id": "H46010001",
            "subject_name": "Haikou Kangning Hospital", "findings": "split admissions over 2025",
            "related_case_id": "C-WALK-1", "amount_fen": 300_000}
    w.call("healthcare_security", "POST", "/referrals",
           {**base, "referral_id": "F-WALK-HC", "target": "health_commission", "matter": "practising_qualification"})
    w.call("healthcare_security", "POST", "/referrals",
           {**base, "referral_id": "F-WALK-MR", "target": "market_regulation", "matter": "drug_circulation"})
    hc = until(lambda: w.get("health_commission", "/referrals/F-WALK-HC"), message="the commission's referral")
    mr = until(lambda: w.get("market_regulation", "/referrals/F-WALK-MR"), message="market regulation's referral")
    ho27.check("the health commission holds the referral", hc)
    ho28.check("market regulation holds the referral", mr)
    ho29.deadline = find_due(hc.get("first_report_due")) or find_due(hc)
    at(2026, 9, 16, 9)
    for agency, rid in (("health_commission", "F-WALK-HC"), ("market_regulation", "F-WALK-MR")):
        w.call(agency, "POST", f"/referrals/{rid}/outcome", {"outcome": "penalised", "outcome_summary": "fined",
                                                            "decision_reference": f"REF-{rid}"})
        ho29.check(f"the bureau records {agency}'s outcome", until(
            lambda r=rid: w.get("healthcare_security", f"/matters/referral/{r}")["state"] == "outcome_reported",
            message=f"{agency}'s outcome at the bureau"))


def drive_clues(w: Walk) -> None:
    """HO-30: a functionary's clue to discipline inspection and one to the procuratorate; both acknowledge."""
    ho = w.of("HO-30")
    at(2026, 9, 15, 9)
    for clue_id, recipient, suspicion in (("K-WALK-DI", "discipline_inspection", "discipline_breach"),
                                          ("K-WALK-PR", "procuratorate", "crime")):
        w.call("healthcare_security", "POST", "/clues", {
            "clue_id": clue_id, "region_code": CITY, "recipient": recipient, "functionary_unit": "city hospital board",
            "functionary_name": "Officer X", "suspicion": suspicion, "clue_summary": "approved the ghost admissions",
            "related_case_id": "C-WALK-1"})
        w.bus.wait(f"fundlink.healthcare_security.clue.transferred_to_{recipient}.v1", clue_id)
        w.send_as(recipient, f"fundlink.{recipient}.clue.acknowledged.v1", {
            "clue_id": clue_id, "receiving_unit": f"{recipient} of Haikou",
            "acknowledged_at": "2026-09-15T15:00:00+08:00"}, clue_id)
        ho.check(f"the bureau records {recipient}'s acknowledgement", until(
            lambda c=clue_id: w.get("healthcare_security", f"/matters/clue/{c}").get("replies"),
            message=f"{recipient}'s acknowledgement"))


REPORTER = {"name": "Zhang San", "id_number": "460100199001011234", "phone": "13800000000"}


def drive_reports_and_rewards(w: Walk) -> None:
    """HO-31/32: reports closed, one reward funded and paid by finance, one left uncollected and forfeited."""
    ho31, ho32 = w.of("HO-31"), w.of("HO-32")
    at(2026, 9, 1, 9)
    for report_id in ("J-WALK-1", "J-WALK-2"):
        r = w.call("healthcare_security", "POST", "/reports", {
            "report_id": report_id, "region_code": CITY, "channel": "phone", "target": "Kangning Pharmacy",
            "clues": "card lending for resale of drugs", "reporter": REPORTER})
        ho31.deadline = ho31.deadline or find_due(r.get("open_deadlines")) or find_due(r)
    # The receiving bureau's docket holds the report and its 30-day limit, and never who reported (002:115).
    docket = until(lambda: w.get("healthcare_security", "/report-docket/J-WALK-1"),
                   message="the report on the receiving bureau's docket")
    ho31.check("the receiving bureau accepted the report", docket["state"] == "accepted")
    ho31.deadline = find_due(docket["open_deadlines"]) or ho31.deadline
    sent = w.bus.wait("fundlink.healthcare_security.report.received.v1", "J-WALK-1")
    ho31.check("report.received carries no reporter identity",
               "reporter" not in sent and not any(v in json.dumps(sent, ensure_ascii=False) for v in REPORTER.values()))
    at(2026, 9, 18, 9)
    for report_id, reward_id in (("J-WALK-1", "W-WALK-1"), ("J-WALK-2", "W-WALK-2")):
        w.call("healthcare_security", "POST", f"/reports/{report_id}/closure",
               {"outcome": "substantiated", "outcome_summary": "confirmed; the pharmacy returned the loss"})
        w.call("healthcare_security", "POST", f"/reports/{report_id}/reward", {
            "reward_id": reward_id, "loss_amount_fen": 1_000_000, "reward_amount_fen": 50_000,
            "approved_by": "director Sun"})
    w.bus.wait("fundlink.healthcare_security.report.closed.v1", "J-WALK-1")
    ho31.check("the reporter is answered (report.closed on the bus)", True)
    at(2026, 9, 21, 10)
    reward = w.call("healthcare_security", "POST", "/rewards/W-WALK-1/notice")
    ho32.deadline = find_due(reward.get("collect_by")) or find_due(reward)
    ho32.check("finance holds the approved reward", until(lambda: w.get("finance", "/rewards/W-WALK-1"),
                                                             message="the reward at finance"))
    at(2026, 9, 22, 10)
    w.call("finance", "POST", "/rewards/W-WALK-1/payment", {"payment_ref": "FIN-PAY-WALK"})
    ho32.check("the bureau records finance's payment", until(
        lambda: w.get("healthcare_security", "/matters/reward/W-WALK-1").get("replies"),
        message="the payment at the bureau"))
    w.call("healthcare_security", "POST", "/rewards/W-WALK-2/notice")
    until(lambda: w.get("finance", "/rewards/W-WALK-2"), message="the second reward at finance")
    at(2026, 9, 25, 0, 0, 1)  # two working days have passed: uncollected, the bureau's watch forfeits it
    ho32.check("finance stops the forfeited reward", until(
        lambda: w.get("finance", "/rewards/W-WALK-2")["status"] == "forfeited", message="the forfeiture at finance"))


def drive_joint_inspection(w: Walk) -> None:
    """HO-33: the bureau invites four agencies to a joint inspection; each keeps the invitation, accepts and reports
    its findings; the bureau sees all four and sends back the consolidated result, which each keeps."""
    ho = w.of("HO-33")
    at(2026, 9, 15, 9)
    invited = ["health_commission", "market_regulation", "finance", "public_security"]
    path = "/joint-inspections/JI-WALK-1"
    w.call("healthcare_security", "POST", "/joint-inspections", {
        "inspection_id": "JI-WALK-1", "region_code": CITY, "inspection_kind": "flying", "target_kind": "institution",
        "target_id": "H46010001", "target_name": "Haikou Kangning Hospital", "scheduled_for": "2026-10-15",
        "invited": invited, "scope": "inpatient billing 2025"})
    w.bus.wait("fundlink.healthcare_security.joint_inspection.invited.v1", "JI-WALK-1")
    for agency in invited:
        kept = until(lambda a=agency: w.get(a, path), message=f"{agency} to keep the invitation")
        ho.check(f"{agency} keeps the invitation", kept["state"] == "invited")
        w.call(agency, "POST", f"{path}/acceptance", {"decision": "accepted", "staff_count": 2})
    at(2026, 10, 16, 10)  # the day after the inspection, each reports within its own remit
    for agency in invited:
        w.call(agency, "POST", f"{path}/findings", {"findings": [{
            "finding_id": f"{agency}-1", "description": f"{agency}: irregularity within its remit",
            "amount_fen": 50_000, "follow_up": "own_enforcement"}]})
    seen = until(lambda: (v := w.get("healthcare_security", path)) and len(v["reported"]) == 4 and v,
                 message="the bureau to hold the four answers and reports")
    ho.check("the bureau sees the four accept and report", seen["accepted"] == invited
             and not seen["awaiting_findings"])
    w.call("healthcare_security", "POST", f"{path}/findings", {"findings": [
        {"finding_id": f"JI-WALK-1-{i}", "description": f"joint finding led by {agency}", "amount_fen": 50_000,
         "lead_agency": agency} for i, agency in enumerate(["healthcare_security", *invited])]})
    for agency in invited:
        got = until(lambda a=agency: (v := w.get(a, path)) and v["result"] and v,
                    message=f"{agency} to keep the joint result")
        ho.check(f"{agency} keeps the result and its own follow-up",
                 got["state"] == "closed" and [f["lead_agency"] for f in got["to_follow_up"]] == [agency])


WANG, LI, ZHAO = "460100195203150027", "46010019600808003X", "460100197011110018"


def drive_data_comparison(w: Walk) -> None:
    """HO-34: the center asks public security, civil affairs, tax and human resources; matches are only flagged."""
    ho = w.of("HO-34")
    at(2026, 9, 20, 10)
    w.call("hs_center", "POST", "/insured-benefits", {"benefits": [
        {"id_number": WANG, "scheme": "resident", "region_code": CITY},
        {"id_number": LI, "scheme": "employee", "region_code": CITY},
        {"id_number": ZHAO, "scheme": "resident", "region_code": CITY}]})
    w.call("public_security", "POST", "/household-register", {"residents": [
        {"id_number": WANG, "region_code": CITY, "status": "living"},
        {"id_number": LI, "region_code": CITY, "status": "living"}]})
    w.call("hs_center", "POST", "/data-comparisons", {
        "request_id": "DC-WALK-1", "purpose": "death", "queried": ["public_security", "civil_affairs"],
        "region_code": CITY, "id_numbers": [WANG, LI]})
    w.call("hs_center", "POST", "/data-comparisons", {
        "request_id": "DC-WALK-2", "purpose": "duplicate_benefit", "queried": ["tax", "hr_social_security"],
        "region_code": CITY, "id_numbers": [ZHAO, LI]})
    w.bus.wait("fundlink.hs_center.data_comparison.requested.v1", "DC-WALK-2")
    w.send_as("civil_affairs", "fundlink.civil_affairs.data_comparison.result_returned.v1", {
        "request_id": "DC-WALK-1", "returned_at": "2026-09-20T11:00:00+08:00",
        "results": [{"person_id": comparison_token("DC-WALK-1", WANG), "status": "deceased",
                     "effective_on": "2026-09-03", "detail": "death registered"}]}, "DC-WALK-1")
    w.send_as("hr_social_security", "fundlink.hr_social_security.data_comparison.result_returned.v1", {
        "request_id": "DC-WALK-2", "returned_at": "2026-09-20T11:00:00+08:00",
        "results": [{"person_id": comparison_token("DC-WALK-2", ZHAO), "status": "receiving_benefit",
                     "detail": "unemployment benefit in 460200"}]}, "DC-WALK-2")
    for request_id in ("DC-WALK-1", "DC-WALK-2"):
        ho.check(f"the center has every answer to {request_id}", until(
            lambda r=request_id: w.get("hs_center", f"/data-comparisons/{r}")["waiting_for"] == [],
            message=f"every answer to {request_id}"))
    reviews = until(lambda: len(r := w.get("hs_center", "/benefit-reviews?state=open")["reviews"]) >= 2 and r,
                       message="the flagged benefits")
    ho.check("the death and the duplicate benefit are flagged for review",
             {r["finding"] for r in reviews} >= {"deceased", "receiving_benefit"})
    ho.check("nothing is stopped without an officer",
             w.get("hs_center", f"/insured-benefits/{WANG}")["benefits"]["resident"]["status"] == "active")


def drive_employer_violations(w: Walk) -> None:
    """HO-35: tax refers an unregistered employer found in the pushed feed (HO-01) to the bureau, which opens a
    case; the bureau refers an employer in arrears to tax, whose view shows the surcharge running."""
    ho = w.of("HO-35")
    at(2026, 11, 9, 9)
    referred = w.bus.find("fundlink.tax.employer_violation.referred.v1")
    ho.check("tax referred an unregistered employer from the pushed feed", referred)
    ref = referred[0]["data"]["referral_id"]
    held = until(lambda: w.get("healthcare_security", f"/employer-violations/from-tax/{ref}"),
                 message="tax's referral at the bureau")
    ho.check("the bureau holds tax's referral for a decision", held["state"] == "received")
    w.call("healthcare_security", "POST", f"/employer-violations/from-tax/{ref}/decision",
           {"decision": "accepted", "case_id": "C-WALK-EV-1"})
    ho.check("the bureau opened a case on the referral", (_case(w, "C-WALK-EV-1") or {}).get("state") == "lead")
    answer = until(lambda: w.get("tax", f"/employer-violations/to-bureau/{ref}")["answer"],
                   message="the bureau's answer at tax")
    ho.check("tax records the bureau's acceptance and its case",
             answer["decision"] == "accepted" and answer["case_id"] == "C-WALK-EV-1")
    w.call("healthcare_security", "POST", "/employer-violations/to-tax", {
        "referral_id": "EV-WALK-1", "region_code": CITY, "employer_id": "91460100MA5T00002X",
        "employer_name": "Haikou Nanhai Trading Co.", "kind": "not_paid",
        "facts": "registered since 2025 but nothing paid for August and September 2026",
        "amount_due_fen": 1_200_000, "arrears_since": "2026-10-01"})
    at_tax = until(lambda: w.get("tax", "/employer-violations/from-bureau/EV-WALK-1"),
                   message="the bureau's referral at tax")
    # 1,200,000 fen × 0.05 % × 40 days (1 October … 9 November, the first day counted) = 24,000 fen.
    ho.check("tax holds the referral with the 0.05 %/day surcharge running",
             at_tax["state"] == "received" and at_tax["late_surcharge"]["amount_fen"] == 24_000)
    w.call("tax", "POST", "/employer-violations/from-bureau/EV-WALK-1/decision",
           {"decision": "accepted", "case_id": "TAX-WALK-EV-1"})
    ho.check("the bureau records tax's acceptance", until(
        lambda: w.get("healthcare_security", "/employer-violations/to-tax/EV-WALK-1")["case_id"] == "TAX-WALK-EV-1",
        message="tax's answer at the bureau"))


def drive_supervision_report(w: Walk) -> None:
    """HO-36: the bureau's supervision report to the center, which owes a written opinion in 10 days."""
    ho = w.of("HO-36")
    at(2026, 9, 15, 9)
    view = w.call("healthcare_security", "POST", "/supervision-reports", {
        "report_id": "SR-WALK-1", "supervision_id": "SUP-WALK-1", "supervised_unit": "Haikou handling center",
        "region_code": CITY, "findings": [{"finding_id": "FD-1", "description": "claims paid without review"},
                                          {"finding_id": "FD-2", "description": "deposit not deducted"}]})
    report = until(lambda: w.get("hs_center", "/supervision-reports/SR-WALK-1"), message="the report at the center")
    ho.deadline = find_due(report["opinion_due"])
    ho.check("the center awaits its own opinion with the due date shown",
             report["state"] == "awaiting_opinion" and report["due_date"])
    ho.check("the center counts the same 10 days as the bureau",
             report["opinion_due"]["due_at"] == view["open_deadlines"][0]["due_at"])
    at(2026, 9, 18, 10)
    w.call("hs_center", "POST", "/supervision-reports/SR-WALK-1/opinion", {
        "position": "objection", "opinion": "FD-2: the deposit was deducted in the October settlement",
        "disputed_findings": ["FD-2"]})
    ho.check("the bureau records the center's opinion", until(
        lambda: w.get("healthcare_security", "/matters/supervision_report/SR-WALK-1")["state"] == "opinion_received",
        message="the opinion at the bureau"))


def drive_penalty_proposal(w: Walk) -> None:
    """HO-37: supervision proposes a penalty on a case; the competent authority amends it; the case learns it."""
    ho = w.of("HO-37")
    at(2026, 9, 15, 9)
    _investigating(w, "C-WALK-PP")
    w.call("healthcare_security", "POST", "/cases/C-WALK-PP/penalty-proposals", {
        "proposal_id": "PP-WALK-1", "supervision_id": "SUP-WALK-1",
        "party": {"kind": "institution", "party_id": "H46010001", "name": "Haikou Kangning Hospital"},
        "violations": "split admissions billed twice", "legal_basis": ["Decree 735 art. 38"], "rule_id": "P-06",
        "base_fen": 200_000, "proposed_fine_fen": 300_000})
    pending = until(lambda: w.get("healthcare_security", "/penalty-proposals/PP-WALK-1"),
                    message="the proposal at the competent authority")
    ho.check("the competent authority holds the proposal", pending["state"] == "pending"
             and pending["proposed_fine_fen"] == 300_000)
    at(2026, 9, 16, 10)
    w.call("healthcare_security", "POST", "/penalty-proposals/PP-WALK-1/decision", {
        "decision": "amended", "approved_fine_fen": 200_000, "reasons": "first offence, loss returned",
        "decided_by": "director Sun"}, role="head")
    ho.check("the case records the authority's decision", until(
        lambda: _case(w, "C-WALK-PP")["timeline"][-1]["step"] == "penalty_proposal_amended: PP-WALK-1, fine 200000 fen",
        message="the decision on the case"))


def drive_service_items(w: Walk) -> None:
    """HO-38: the commission reviews a new service item; the bureau prices it and the commission records it."""
    ho = w.of("HO-38")
    at(2026, 9, 15, 9)
    w.call("health_commission", "POST", "/service-item-reviews", {
        "review_id": "HC-REV-WALK", "item_code": "330100199", "item_name": "机器人辅助手术", "decision": "approved",
        "region_code": PROVINCE}, role="head")
    item = until(lambda: w.get("healthcare_security", "/service-items/330100199", role="officer"),
                    message="the review at the bureau")
    ho.check("the bureau holds the commission's review", item["reviews"])
    w.call("healthcare_security", "POST", "/service-prices", {
        "price_id": "P-WALK-1", "review_id": "HC-REV-WALK", "item_code": "330100199", "item_name": "机器人辅助手术",
        "item_kind": "new", "price_fen": 800_000, "price_unit": "per operation", "region_code": PROVINCE,
        "effective_from": "2026-10-01"}, role="head")
    ho.check("the commission records the bureau's price", until(
        lambda: (w.get("health_commission", "/service-items/330100199", role="officer") or {}).get("prices"),
        message="the price at the commission"))


def drive_agreement_actions(w: Walk) -> None:
    """HO-39: the bureau orders settlement suspended for a target that will not cooperate; the center carries it
    out (the institution's claims are not paid), reports it and a measure of its own; the case records both."""
    ho = w.of("HO-39")
    at(2026, 9, 15, 9)
    _investigating(w, "C-WALK-3")
    w.call("healthcare_security", "POST", "/cases/C-WALK-3/settlement-suspension", {
        "order_id": "SUS-WALK-1", "target_kind": "institution", "target_id": "H46010001",
        "reason": "refuses to hand over inpatient records", "approved_by": "director Sun",
        "effective_from": "2026-09-16"})
    w.bus.wait("fundlink.healthcare_security.settlement.suspension_ordered.v1", "C-WALK-3")
    at(2026, 9, 16, 10)
    measure = until(lambda: w.get("hs_center", "/agreement-actions/ACT-SUS-WALK-1"),
                    message="the suspension at the center")
    ho.check("the center suspended settlement with the institution",
             measure["order_id"] == "SUS-WALK-1" and measure["blocks_payment"])
    w.call("hs_center", "POST", "/settlement-claims", {
        "claim_id": "CLM-WALK-SUS", "institution_id": "H46010001", "region_code": CITY, "month": "2026-08",
        "claimed_fen": 300_000})
    refused = w.fleet.post("hs_center", "/settlement-claims/CLM-WALK-SUS/payment", json={"approved_fen": 300_000},
                           role="head", timeout=20)
    ho.check("a claim of the suspended institution is not paid", refused.status_code == 409
             and w.get("hs_center", "/settlement-claims/CLM-WALK-SUS")["status"] == "open")
    ho.check("the case records the center carrying out the order", until(
        lambda: any(e["step"].startswith("agreement_action: suspend_settlement ACT-SUS-WALK-1")
                    for e in _case(w, "C-WALK-3")["timeline"]), message="the center's report on the case"))
    w.call("hs_center", "POST", "/agreement-actions", {
        "action_id": "AA-WALK-1", "institution_id": "H46010001", "region_code": CITY,
        "action": "suspend_agreement", "reason": "records still withheld after the suspension",
        "decided_by": "center director Liu", "effective_from": "2026-09-20", "effective_until": "2026-12-31"})
    ho.check("the bureau keeps the center's own measure", until(
        lambda: w.get("healthcare_security", "/matters/agreement_action/AA-WALK-1")["action"] == "suspend_agreement",
        message="the measure at the bureau"))
    ho.check("the case records the center's own measure", any(
        e["step"].startswith("agreement_action: suspend_agreement AA-WALK-1")
        for e in _case(w, "C-WALK-3")["timeline"]))


def drive_deficit_sharing(w: Walk) -> None:
    """HO-40: finance proposes the shares of a deficit; the government approves; a city pays its share."""
    ho = w.of("HO-40")
    at(2026, 3, 2)
    w.call("finance", "PUT", "/deficit-sharing/ratios/2026",
           {"weights": {"province": "0.5", CITY: "0.5"}, "source": "琼府〔2026〕12号 (walk)"})
    (proposal,) = w.call("finance", "POST", "/deficit-sharing/proposals", {
        "proposal_id": "DS-WALK-1", "year": 2026, "rolling_balance_fen": 4_000_000_000_00,
        "avg_monthly_expenditure_fen": 1_000_000_000_00})["proposals"]
    body = w.bus.wait("fundlink.finance.deficit_sharing.proposed.v1", "DS-WALK-1")
    w.send_as("people_government", "fundlink.people_government.deficit_sharing.approved.v1", {
        "proposal_id": "DS-WALK-1", "approval_id": "GOV-DS-WALK", "decision": "approved",
        "province_share_fen": body["province_share_fen"], "region_shares": body["region_shares"],
        "approved_at": "2026-03-05T10:00:00+08:00"}, "DS-WALK-1", region=PROVINCE)
    ho.check("finance records the approval", until(
        lambda: w.get("finance", "/deficit-sharing/proposals/DS-WALK-1")["status"] == "approved",
        message="the approval at finance"))
    share = proposal["region_shares"][0]["amount_fen"]
    before = w.get("finance", "/accounts")["accounts"].get("fiscal_special:resident", 0)
    w.send_as("people_government", "fundlink.people_government.deficit_share.paid.v1", {
        "payment_id": "PAY-WALK-1", "proposal_id": "DS-WALK-1", "region_code": CITY, "amount_fen": share,
        "to_account": "fiscal_special:resident", "paid_on": "2026-03-20"}, "DS-WALK-1")
    ho.check("finance credits the paid share", until(
        lambda: w.get("finance", "/accounts")["accounts"].get("fiscal_special:resident", 0) == before + share,
        message="the share credited"))


def drive_long_term_care(w: Walk) -> None:
    """HO-41: Huai'an's long-term-care funding: the center's transfers and finance's subsidy."""
    ho = w.of("HO-41")
    at(2026, 1, 20)
    for part in ("personal", "pool_fund"):
        w.call("hs_center", "POST", "/ltc-contributions", {
            "transfer_id": f"LTC-WALK-{part}", "year": 2026, "region_code": "320829", "part": part,
            "insured_person_count": 1000, "to_account": "city_special:huaian"})
    r = w.call("finance", "POST", "/ltc-subsidies", {
        "remittance_id": "LTC-F-WALK", "year": 2026, "region_code": "320829", "insured_person_count": 1000,
        "amount_fen": 10_000_00, "to_account": "city_special:huaian"})
    ho.deadline = find_due(r)
    ho.check("finance has all three parts", until(lambda: w.get("finance", "/ltc/2026")["open"] == [],
                                                     message="all three LTC parts received"))


def drive_enforcement_supervision(w: Walk) -> None:
    """HO-42: the provincial bureau's enforcement-supervision notice to a city bureau, which asks for review
    within its 10 days; the upper bureau decides and the lower bureau records the decision."""
    ho = w.of("HO-42")
    at(2026, 9, 14, 10)
    w.call("healthcare_security", "POST", "/enforcement-notices", {
        "notice_id": "EN-WALK-1", "region_code": CITY, "issuing_unit": "Hainan Provincial Healthcare Security Bureau",
        "lower_unit": "Haikou Healthcare Security Bureau", "related_case_id": "C-WALK-1",
        "defects": ["penalty decided without a hearing notice"], "required_action": "re-serve the hearing notice",
        "correct_by": "2026-10-30"})
    lower = until(lambda: w.get("healthcare_security", "/enforcement-notices/received/EN-WALK-1"),
                  message="the notice at the lower bureau")
    ho.check("the lower bureau holds the notice", lower["state"] == "notice_issued")
    ho.deadline = find_due(lower["open_deadlines"])  # the lower bureau's 10 days from receipt
    at(2026, 9, 16, 9)
    w.call("healthcare_security", "POST", "/enforcement-notices/received/EN-WALK-1/review-request",
           {"request_id": "RR-WALK-1", "grounds": "the hearing notice was served on 3 August"})
    upper = until(lambda: (v := w.get("healthcare_security", "/enforcement-notices/issued/EN-WALK-1"))
                  and v["state"] == "review_requested" and v, message="the review request at the upper bureau")
    ho.check("the upper bureau counts its 15 days to decide", find_due(upper["open_deadlines"]))
    at(2026, 9, 22, 9)
    w.call("healthcare_security", "POST", "/enforcement-notices/issued/EN-WALK-1/review-decision",
           {"decision": "upheld", "reasons": "no record of service", "decided_by": "director Sun"}, role="head")
    ho.check("the lower bureau records the review decision", until(
        lambda: w.get("healthcare_security", "/enforcement-notices/received/EN-WALK-1")["decision"] == "upheld",
        message="the decision at the lower bureau"))


DRIVERS: dict[str, Callable[[Walk], None]] = {
    **dict.fromkeys(("HO-01", "HO-02", "HO-03", "HO-04", "HO-05"), drive_collection),
    **dict.fromkeys(("HO-06", "HO-07"), drive_treasury_and_subsidy),
    **dict.fromkeys(("HO-08", "HO-09", "HO-10", "HO-11"), drive_budget_chain),
    "HO-12": drive_execution_report,
    "HO-13": drive_adjustment,
    "HO-14": drive_final_accounts,
    **dict.fromkeys(("HO-15", "HO-16", "HO-17", "HO-18", "HO-19"), drive_fund_use_plan),
    "HO-20": drive_fund_operation_report,
    "HO-21": drive_settlement,
    **dict.fromkeys(("HO-22", "HO-23", "HO-24", "HO-25", "HO-26"), drive_cases),
    **dict.fromkeys(("HO-27", "HO-28", "HO-29"), drive_referrals),
    "HO-30": drive_clues,
    **dict.fromkeys(("HO-31", "HO-32"), drive_reports_and_rewards),
    "HO-33": drive_joint_inspection,
    "HO-34": drive_data_comparison,
    "HO-35": drive_employer_violations,
    "HO-36": drive_supervision_report,
    "HO-37": drive_penalty_proposal,
    "HO-38": drive_service_items,
    "HO-39": drive_agreement_actions,
    "HO-40": drive_deficit_sharing,
    "HO-41": drive_long_term_care,
    "HO-42": drive_enforcement_supervision,
}


# --- judging one hand-off ---------------------------------------------------------------------------------------


@dataclass
class Row:
    handoff: str
    sent: str
    received: str
    replied: str
    deadline: str
    problems: list


def received_types(walk: Walk) -> dict[str, set[str]]:
    """Per service, the event types its hand-off record shows as received (processed)."""
    out = {}
    for agency in walk.fleet.runners:
        r = walk.fleet.get(agency, "/audit?limit=10000", role="auditor", timeout=30)
        assert r.ok, f"{agency} GET /audit: {r.status_code} {r.text[:200]}"
        out[agency] = {e["action"] for e in r.json()["entries"] if e["kind"] == "received"}
    return out


def judge(walk: Walk, h: Handoff, received: dict[str, set[str]]) -> Row:
    cat, seen = catalogue(), walk.seen.get(h.id) or Seen()
    on_bus = {(e["type"], e["signer"]) for e in walk.bus.seen}
    problems = [f"driver failed: {seen.error}"] if seen.error else []
    problems += [f"state not as the table says: {what}" for what, ok in seen.checks if not ok]
    sent = got = wanted = 0
    outside = False
    for e in h.events:
        if e.type in seen.missing:
            problems.append(f"{e.type}: {seen.missing[e.type]}")
            continue
        if e.type in walk.forged:
            problems.append(f"{e.type}: {walk.forged[e.type]}")
        elif (e.type, e.producer) in on_bus:
            sent += 1
        else:
            problems.append(f"{e.type} never crossed the bus signed by {e.producer}")
        for consumer in e.consumers:
            if not cat.agencies[consumer].service:
                outside = True
                continue
            wanted += 1
            if e.type in received.get(consumer, set()):
                got += 1
            elif not _handles(consumer, e.type):
                problems.append(f"{consumer} has no handler for {e.type} (a catalogued consumer)")
            else:
                problems.append(f"{consumer} never processed {e.type} (no `received` entry in its hand-off record)")
    replies = [e for e in h.events if e.role == "reply"]
    if replies:
        back = [e for e in replies if e.type not in seen.missing and e.type not in walk.forged
                and (e.type, e.producer) in on_bus
                and all(not cat.agencies[c].service or e.type in received.get(c, set()) for c in e.consumers)]
        replied = f"{len(back)}/{len(replies)}"
    else:
        replied = "—"
    if h.deadline is None:
        deadline = "—"
    elif seen.deadline:
        deadline = seen.deadline
    else:
        deadline = "NOT VISIBLE"
        problems.append(f"its {h.deadline.kind} deadline ({h.deadline.anchor}) is not visible in any HTTP view "
                        "or gauge")
    rec = f"{got}/{wanted}" + (f" + {OUTSIDE}" if outside else "") if wanted else (OUTSIDE if outside else "—")
    if not seen.checks and not seen.error and not problems and h.id not in walk.seen:
        problems.append("no driver observed it")
    return Row(h.id, f"{sent}/{len(h.events)}", rec, replied, deadline, problems)


_HANDLED: dict[str, set[str]] = {}


def _handles(agency: str, event_type: str) -> bool:
    import inspect

    from shared.supervisor import load_service

    if agency not in _HANDLED:
        _HANDLED[agency] = {ep.event_type for _, m in inspect.getmembers(load_service(agency))
                            for ep in (getattr(m, "nameko_entrypoints", None) or ())
                            if getattr(ep, "event_type", None)}
    return event_type in _HANDLED[agency]


def settle(walk: Walk, handoffs: list[Handoff]) -> None:
    """Let the last hand-offs land: wait until every routed event is in each handling consumer's record. A
    consumer without a handler never records one; the judge names those."""
    cat = catalogue()
    on_bus = {e["type"] for e in walk.bus.drain()}
    expected = {(c, e.type) for h in handoffs for e in h.events for c in e.consumers
                if cat.agencies[c].service and e.type in on_bus and _handles(c, e.type)}

    def complete():
        got = received_types(walk)
        return all(t in got.get(c, set()) for c, t in expected)
    with contextlib.suppress(AssertionError):  # the judge names what is missing, hand-off by hand-off
        wait_for(complete, timeout=30, message="every routed hand-off processed by its consumers")


def print_table(rows: list[Row]) -> None:
    head = ("hand-off", "sent", "received", "replied", "deadline tracked", "result")
    lines = [(r.handoff, r.sent, r.received, r.replied, r.deadline, "ok" if not r.problems else "FAIL") for r in rows]
    widths = [max(len(str(x[i])) for x in [head, *lines]) for i in range(len(head))]
    out = ["", " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)),
           "-+-".join("-" * w for w in widths)]
    out += [" | ".join(str(v).ljust(w) for v, w in zip(line, widths, strict=True)) for line in lines]
    passed = sum(1 for r in rows if not r.problems)
    out.append(f"\n{passed} of {len(rows)} hand-offs walked producer to consumer")
    for r in rows:
        for p in r.problems:
            out.append(f"{r.handoff}: {p}")
    print("\n".join(out))


# --- the walk -----------------------------------------------------------------------------------------------------


def test_every_handoff_of_the_catalogue_crosses_the_bus(fleet, keys_dir, amqp_uri, tmp_path):
    bus = BusTap(amqp_uri)
    walk = Walk(fleet, keys_dir, amqp_uri, tmp_path, bus)
    handoffs = list(catalogue().handoffs.values())
    try:
        for agency, cls in FLEET:
            fleet.start(agency, cls)
        done: set = set()
        for h in handoffs:
            driver = DRIVERS.get(h.id)
            if driver is None:
                walk.of(h.id).error = "no driver: the walk does not know how to drive it"
                continue
            if driver in done:
                continue
            done.add(driver)
            try:
                driver(walk)
            except Exception as exc:  # noqa: BLE001 - one broken flow must not hide the others
                where = traceback.extract_tb(exc.__traceback__)[-1]
                for covered in (k for k, v in DRIVERS.items() if v is driver):
                    walk.of(covered).error = f"{type(exc).__name__} at line {where.lineno}: {str(exc)[:600]}"
        settle(walk, handoffs)
        rows = [judge(walk, h, received_types(walk)) for h in handoffs]
        print_table(rows)
    finally:
        bus.close()
    failing = {r.handoff for r in rows if r.problems}
    failed = [f"{r.handoff}: {p}" for r in rows for p in r.problems]
    print(f"\n{len(rows) - len(failing)} of {len(rows)} hand-offs pass")
    if failed:
        print("not walking:\n" + "\n".join(failed))
    # A hand-off that breaks fails here by name.
    newly_broken = sorted(failing - KNOWN_GAPS)
    assert not newly_broken, "hand-offs that no longer walk:\n" + "\n".join(
        f for f in failed if f.split(":")[0] in newly_broken)
    fixed = sorted(KNOWN_GAPS - failing)
    assert not fixed, f"{', '.join(fixed)} now walk producer to consumer: remove them from KNOWN_GAPS"

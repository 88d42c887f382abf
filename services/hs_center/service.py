"""The handling center's nameko service: thin entrypoints; rules in domain.py."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from marshmallow import ValidationError
from sqlalchemy import func, select

from shared.bus.runtime import AgencyService, handles, http
from shared.calendar import china_calendar
from shared.deadlines import SHANGHAI
from shared.http import NotFound, json_body

from . import domain, feed_digest, models, schemas
from .agreement_entrypoints import AgreementEntrypoints
from .comparison_entrypoints import ComparisonEntrypoints
from .money import MoneyEntrypoints
from .money_handoffs import MoneyHandoffEntrypoints
from .notices import MoneyNoticeEntrypoints
from .settlement_entrypoints import SettlementEntrypoints
from .supervision_entrypoints import SupervisionEntrypoints

REPORT_PART_SIZE = 2000
REGISTRY_BATCH = 10_000


class HsCenterService(AgencyService, MoneyEntrypoints, SettlementEntrypoints, ComparisonEntrypoints,
                      MoneyHandoffEntrypoints, MoneyNoticeEntrypoints, SupervisionEntrypoints, AgreementEntrypoints):
    name = "hs_center"
    agency = "hs_center"
    metadata = models.Base.metadata

    # -- registry (参保登记) ----------------------------------------------------------------
    @http("POST", "/registry", request_schema=schemas.RegistryLoad, expected_exceptions=(domain.RegistryLineError,))
    def load_registry(self, request):
        """Enrollment registry entries (参保登记); the same payer and scheme is replaced."""
        entries = schemas.RegistryLoad().load(json_body(request))["entries"]
        for e in entries:
            domain.check_registry_figures(e["insured_person_count"], e["monthly_due_fen"])
        models.upsert_registry(self.db.session, [{"payer_kind": None, **e} for e in entries])
        return 200, {"loaded": len(entries)}

    @http("POST", "/registry.csv")
    def load_registry_csv(self, request):
        """A whole registry file, streamed: good lines load, bad ones are listed with their line number."""
        lines = io.TextIOWrapper(request.stream, encoding="utf-8-sig", newline="")
        try:
            loaded, bad = self._load_registry_rows(csv.reader(lines))
        except UnicodeDecodeError as exc:
            reason = f"the registry file is not UTF-8 text ({exc.reason} at byte {exc.start})"
            raise ValidationError({"_body": [reason]}) from exc
        return 200, {"loaded": loaded, "bad_count": len(bad), "bad": bad[:1000]}

    @http("POST", "/registrations", request_schema=schemas.RegistrationRequest,
          expected_exceptions=(domain.RegistryLineError,))
    def register(self, request):
        """HO-04: one enrollment or change, entered in the registry and told to tax."""
        reg = schemas.RegistrationRequest().load(json_body(request))
        domain.check_registry_figures(reg["insured_person_count"], reg["monthly_due_fen"])
        if self.db.session.get(models.Registration, reg["registration_id"]) is not None:
            return 200, {"registration_id": reg["registration_id"], "status": "already_registered"}
        now = datetime.now(UTC)
        event = self._record_registration(reg, now)
        self.db.publish(schemas.EnrollmentRegistered, event, subject=reg["registration_id"],
                        correlation_id=reg["registration_id"], region=reg["region_code"])
        return 202, {"registration_id": reg["registration_id"], "status": "registered",
                     "review": _shown(lambda: domain.registration_review_deadline(reg["applied_on"], china_calendar()))}

    @http("POST", "/feed-schedule", request_schema=schemas.FeedScheduleRequest)
    def expect_feeds(self, request):
        """From ``first_period`` on, the region owes a feed every month by the 5th (HO-01)."""
        body = schemas.FeedScheduleRequest().load(json_body(request))
        self.db.session.merge(models.FeedSchedule(**body))
        return 200, body

    # -- feeds -------------------------------------------------------------------------------
    @http("GET", "/feeds/<feed_id>")
    def get_feed(self, request, feed_id):
        staged = self.db.session.execute(select(models.DetailFeed).where(
            models.DetailFeed.feed_id == feed_id)).scalar_one_or_none()
        feed = self.db.session.get(models.ReceivedFeed, feed_id)
        if feed is None and staged is None:
            raise NotFound(f"no feed {feed_id!r} has reached the center")
        return self._feed_view(feed_id, staged, feed)

    @http("GET", "/feeds/<feed_id>/discrepancies")
    def get_discrepancies(self, request, feed_id):
        """The payer-level reconciliation report, in pages (``?after=<item_no>&limit=``)."""
        staged = self._staged(feed_id)
        after, limit = int(request.args.get("after", 0)), min(int(request.args.get("limit", 1000)), 10_000)
        rows = next(models.discrepancy_pages(self.db.session, staged.feed_no, limit, after=after), [])
        return {"feed_id": feed_id, "counts": models.count_discrepancies(self.db.session, staged.feed_no),
                "items": [{**self._item(d), "resolution": d.resolution, "comment": d.comment} for d in rows]}

    @handles("fundlink.tax.collection.feed_published.v1")
    def on_feed_published(self, event):
        """HO-01 in: a summary is reconciled at once; the manifest closes a detailed feed."""
        data, now = event.data, datetime.now(UTC)
        if "chunk" in data:  # v1 still allows a chunk here; pushers now send feed_chunk_published
            return self._receive_chunk(data, now)
        if "manifest" in data:
            return self._receive_manifest(data, now)
        return self._reconcile_summary(data, now)

    @handles("fundlink.tax.collection.feed_chunk_published.v1")
    def on_feed_chunk_published(self, event):
        """HO-01 detail: a chunk of a detailed feed's lines is staged until the manifest and every chunk are in."""
        return self._receive_chunk(event.data, datetime.now(UTC))

    @handles("fundlink.tax.collection.feed_corrected.v1")
    def on_feed_corrected(self, event):
        """HO-03 reply: tax's answer per discrepancy item is kept beside the item."""
        data = event.data
        models.record_resolutions(self.db.session, self._staged(data["feed_id"]).feed_no, data["resolutions"])

    @handles("fundlink.tax.enrollment.acknowledged.v1")
    def on_enrollment_acknowledged(self, event):
        reg = self.db.session.get(models.Registration, event.data["registration_id"])
        if reg is None:
            raise NotFound(f"acknowledgement for unknown registration {event.data['registration_id']!r}")
        reg.tax_status, reg.tax_reason = event.data["status"], event.data.get("reason")

    def watch_deadlines(self, now: datetime) -> None:
        """HO-01: a region's feed not in by the 5th is overdue from the 6th; raised once, counted."""
        counts = {"open": 0, "overdue": 0}
        for schedule in self.db.session.execute(select(models.FeedSchedule)).scalars():
            for period in domain.due_periods(schedule.first_period, now):
                ob = self._obligation(schedule.region_code, period)
                ob.status = domain.obligation_status(_aware(ob.due_at), now, _aware(ob.met_at))
                counts[ob.status] = counts.get(ob.status, 0) + 1
                if ob.status == "overdue" and ob.overdue_raised_at is None:
                    self._raise_overdue(ob, now)
        metrics = self.db.runtime.metrics
        metrics.deadlines_open.labels("hs_center", "collection_feed").set(counts["open"])
        metrics.deadlines_overdue.labels("hs_center", "collection_feed").set(counts["overdue"])
        self.watch_operation_reports()  # HO-20 quarterly fund operation reports
        self.watch_settlement_deadlines(now)  # HO-21
        self.watch_supervision_opinions(now)  # HO-36

    # -- the steps behind the entrypoints ---------------------------------------------------------
    def _raise_overdue(self, ob, now):
        """HO-01 late: told to tax and escalated to healthcare_security and finance, once per region and month."""
        ob.overdue_raised_at, due = now, _aware(ob.due_at).astimezone(SHANGHAI)
        subject = f"{ob.region_code}:{ob.period}"
        self.db.publish(schemas.FeedOverdue, {
            "region_code": ob.region_code, "period": ob.period, "due_at": due.isoformat(),
            "reason": f"no complete {ob.period} feed from region {ob.region_code} by {due.isoformat()} "
                      "(due by the 5th, 004:31)", "raised_at": now.isoformat()},
            subject=subject, correlation_id=subject, region=ob.region_code)

    def _reconcile_summary(self, data, now):
        prefix = domain.region_prefix(data["region_code"], data["region_level"])
        expected = [domain.Expected(*row) for row in models.expected_per_scheme(self.db.session, prefix)]
        collected = [domain.Collected(ln["scheme"], ln["insured_person_count"], ln["amount_collected_fen"],
                                      ln["refunds_fen"], ln["arrears_fen"]) for ln in data["lines"]]
        answer = self._answer_for(data, domain.reconcile(expected, collected), now)
        self._store_outcome(data, answer, now)
        self._answer(answer, now, subject=data["feed_id"])

    def _receive_chunk(self, data, now):
        feed = models.claim_feed(self.db.session, data, now)
        if feed.status in domain.FINAL_STATUSES:
            return  # a late duplicate of a feed already reconciled
        chunk = data["chunk"]
        try:
            domain.check_chunk(domain.ChunkHeader(chunk["seq"], chunk["line_count"], chunk["first_line_no"],
                                                  chunk["last_line_no"], chunk["sha256"]), chunk["lines"])
        except domain.FeedRefused as refused:
            return self._refuse(feed, str(refused), now)
        feed.status = "receiving"
        if not models.add_chunk(self.db.session, feed.feed_no, chunk):
            return
        feed_digest.chunk_arrived(models.feed_key(self.db.session, feed.feed_no), chunk["seq"], chunk["sha256"],
                                  chunk["lines"].encode())  # hashed now, while in hand (feed_digest.py)
        if feed.manifest is not None:
            self._close_if_complete(feed, now, answer_gaps=False)

    def _receive_manifest(self, data, now):
        feed = models.claim_feed(self.db.session, data, now)
        manifest = {**data["manifest"], "lines": data["lines"], "generated_at": data["generated_at"]}
        if feed.status in domain.FINAL_STATUSES:
            return self._answer_again(feed, manifest, now)
        feed.manifest, feed.status = manifest, "receiving"
        self._close_if_complete(feed, now, answer_gaps=True)

    def _close_if_complete(self, feed, now, *, answer_gaps):
        m = feed.manifest
        ranges = models.chunk_ranges(self.db.session, feed.feed_no)
        missing = domain.missing_chunks(m["chunk_count"], (seq for seq, _, _ in ranges))
        if missing:
            if answer_gaps:
                self._answer({**self._header(feed), "status": "incomplete", "missing_chunks":
                              missing[:domain.MISSING_CHUNKS_PER_ANSWER], "reason": f"{len(missing)} of "
                              f"{m['chunk_count']} chunks missing; send them again"}, now, subject=feed.feed_id)
            return
        manifest = domain.Manifest(m["line_count"], m["chunk_count"], m["lines_sha256"],
                                   {line["scheme"]: line for line in m["lines"]})
        line_count, totals = models.line_totals(self.db.session, feed.feed_no)
        lines_sha256 = models.lines_sha256(self.db.session, feed.feed_no)
        feed_digest.forget(models.feed_key(self.db.session, feed.feed_no))
        strays = domain.stray_chunks(m["chunk_count"], (seq for seq, _, _ in ranges))
        problems = domain.manifest_problems(manifest, line_count, totals, lines_sha256, strays)
        if problems:
            return self._refuse(feed, "; ".join(problems), now)
        self._reconcile_detail(feed, line_count, totals, now)

    def _reconcile_detail(self, feed, line_count, totals, now):
        session, prefix = self.db.session, domain.region_prefix(feed.region_code, feed.region_level)
        found = models.find_discrepancies(session, feed.feed_no, prefix)
        expected = [domain.Expected(*row) for row in models.expected_per_scheme(session, prefix)]
        collected = [domain.Collected(scheme, t["insured_person_count"], t["amount_collected_fen"], t["refunds_fen"],
                                      t["arrears_fen"]) for scheme, t in sorted(totals.items())]
        answer = self._answer_for(self._header(feed), domain.reconcile(expected, collected, found), now)
        answer.update(line_count=line_count, discrepancy_count=found)
        feed.status, feed.completed_at = answer["status"], now
        self._store_outcome({**self._header(feed), "lines": feed.manifest["lines"]}, answer, now)
        self._answer(answer, now, subject=feed.feed_id)
        self._report_discrepancies(feed, found, now)

    def _report_discrepancies(self, feed, found, now):
        parts = -(-found // REPORT_PART_SIZE)
        for part, page in enumerate(models.discrepancy_pages(self.db.session, feed.feed_no, REPORT_PART_SIZE), 1):
            self.db.publish(schemas.DiscrepancyReported, {
                "discrepancy_id": f"DISC-{feed.feed_id}", "feed_id": feed.feed_id, "region_code": feed.region_code,
                "period": feed.period, "part": part, "parts": parts, "items": [self._item(d) for d in page],
                "reported_at": now.isoformat()}, subject=feed.feed_id, correlation_id=feed.feed_id,
                region=feed.region_code)

    def _refuse(self, feed, reason, now):
        feed_digest.forget(models.feed_key(self.db.session, feed.feed_no))
        models.discard_lines(self.db.session, feed.feed_no)
        feed.status, feed.reason = "refused", reason
        self._answer({**self._header(feed), "status": "refused", "reason": reason[:2000]}, now,
                     subject=feed.feed_id)

    def _answer_again(self, feed, manifest, now):
        """A re-pushed feed gets the answer it already had; changed content under the same id is refused."""
        if manifest["lines_sha256"] == feed.manifest["lines_sha256"]:
            stored = self.db.session.get(models.ReceivedFeed, feed.feed_id)
            return self._answer(dict(stored.reconciliation), now, subject=feed.feed_id)
        self._answer({**self._header(feed), "status": "refused", "reason": (
            f"feed {feed.feed_id} was already reconciled with other lines; a changed feed needs a new feed id "
            "or a correction (HO-03)")}, now, subject=feed.feed_id)

    def _answer_for(self, data, result, now):
        return {
            "feed_id": data["feed_id"], "region_code": data["region_code"], "period": data["period"],
            "status": result.status, "registered_insured_count": result.registered_insured_count,
            "paid_insured_count": result.paid_insured_count, "difference_fen": result.difference_fen,
            "discrepancies": [d.__dict__ for d in result.discrepancies], "reconciled_at": now.isoformat(),
        }

    def _answer(self, answer, now, *, subject):
        """HO-02 to tax (and finance): every outcome, including gaps and refusals."""
        answer = {"reconciled_at": now.isoformat(), **answer}
        self.db.publish(schemas.CollectionReconciled, answer, subject=subject, correlation_id=subject,
                        region=answer["region_code"])

    def _store_outcome(self, data, answer, now):
        self.db.session.merge(models.ReceivedFeed(
            feed_id=data["feed_id"], region_code=data["region_code"], period=data["period"], lines=data["lines"],
            received_at=now, reply_due_at=domain.reply_deadline(now, china_calendar()).due_at,
            status=answer["status"], reconciliation=answer,
        ))
        ob = self._obligation(data["region_code"], data["period"], create=False)
        if ob is not None and ob.met_at is None:
            ob.met_at, ob.feed_id = now, data["feed_id"]
            ob.status = domain.obligation_status(_aware(ob.due_at), now, now)

    def _obligation(self, region_code, period, *, create=True):
        ob = self.db.session.get(models.FeedObligation, (region_code, period))
        scheduled = create or self.db.session.get(models.FeedSchedule, region_code) is not None
        if ob is None and scheduled:
            ob = models.FeedObligation(region_code=region_code, period=period, status="open",
                                       due_at=domain.feed_deadline(period).due_at)
            self.db.session.add(ob)
            self.db.session.flush()
        return ob

    def _load_registry_rows(self, reader):
        loaded, bad, batch = 0, [], []
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != domain.REGISTRY_COLUMNS:
            return 0, [{"line": 1, "reason": f"header must be {','.join(domain.REGISTRY_COLUMNS)}"}]
        for row in reader:
            try:
                batch.append(domain.registry_entry(row))
            except domain.RegistryLineError as exc:
                bad.append({"line": reader.line_num, "reason": str(exc)})
            if len(batch) == REGISTRY_BATCH:
                models.upsert_registry(self.db.session, batch)
                loaded, batch = loaded + len(batch), []
        models.upsert_registry(self.db.session, batch)
        return loaded + len(batch), bad

    def _record_registration(self, reg, now):
        entry = {k: reg[k] for k in ("payer_id", "scheme", "region_code", "insured_person_count",
                                     "monthly_due_fen")}
        models.upsert_registry(self.db.session, [{**entry, "payer_kind": reg.get("payer_kind")}])
        self.db.session.add(models.Registration(registration_id=reg["registration_id"], payer_id=reg["payer_id"],
                                                scheme=reg["scheme"], change_type=reg["change_type"],
                                                registered_at=now))
        event = {k: v for k, v in schemas.RegistrationRequest().dump(reg).items() if k != "payer_kind"}
        return {**event, "payer_kind": reg.get("payer_kind") or "employer", "registered_at": now.isoformat()}

    def _staged(self, feed_id):
        staged = self.db.session.execute(select(models.DetailFeed).where(
            models.DetailFeed.feed_id == feed_id)).scalar_one_or_none()
        if staged is None:
            raise NotFound(f"no detailed feed {feed_id!r} at the center")
        return staged

    @staticmethod
    def _header(feed):
        return {"feed_id": feed.feed_id, "region_code": feed.region_code, "period": feed.period}

    @staticmethod
    def _item(d):
        item = {"item_id": str(d.item_no), "kind": d.kind, "responsible": d.responsible, "payer_id": d.payer_id,
                "scheme": d.scheme, "expected_fen": d.expected_fen, "collected_fen": d.collected_fen,
                "reason": domain.reason_for(d.kind)}
        item.update({k: v for k, v in (("payer_kind", d.payer_kind), ("line_no", d.line_no)) if v is not None})
        return item

    def _feed_view(self, feed_id, staged, feed):
        view = {"feed_id": feed_id}
        if staged is not None:
            chunks = self.db.session.execute(select(func.count()).where(
                models.FeedChunk.feed_no == staged.feed_no)).scalar_one()
            view.update(status=staged.status, reason=staged.reason, chunks_received=chunks,
                        period=staged.period, manifest=staged.manifest)
            if staged.completed_at is not None:  # HO-02's clock runs from the complete feed
                view["answer"] = _shown(lambda: domain.reply_deadline(_aware(staged.completed_at), china_calendar()))
        if feed is not None:
            view.update(period=feed.period, status=feed.status, received_at=feed.received_at.isoformat(),
                        reply_due_at=feed.reply_due_at.isoformat(), reconciliation=feed.reconciliation,
                        answer={"due_at": _aware(feed.reply_due_at).isoformat()})
        return view


def _shown(deadline) -> dict:
    """A deadline for a view; past the loaded holiday table it says so instead of failing the read."""
    from shared.calendar import CalendarNotCovered

    try:
        return deadline().as_dict()
    except CalendarNotCovered as exc:
        return {"due_at": None, "unknown": str(exc)}


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without their zone; they were stored in UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

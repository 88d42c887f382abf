"""The demo: drive hand-offs through the running services and show each one as it
crosses the bus, read off a tap queue bound to every routing key."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import requests
from kombu import Connection, Queue

from shared.bus.catalogue import catalogue
from shared.bus.envelope import from_amqp
from shared.bus.topology import events_exchange
from shared.config import settings_for
from shared.deadlines import SHANGHAI


class Tap:
    """A private, auto-deleted queue that sees a copy of every hand-off."""

    def __init__(self, amqp_uri: str):
        self.conn = Connection(amqp_uri, connect_timeout=5)
        self.channel = self.conn.channel()
        events_exchange(self.channel).declare()
        self.queue = Queue(f"fundlink.tap.{uuid.uuid4().hex[:8]}", exchange=events_exchange, routing_key="#",
                           exclusive=True, auto_delete=True, queue_arguments={"x-queue-type": "classic"})
        self.queue(self.channel).declare()

    def next(self, timeout: float = 10.0):
        import time

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            msg = self.channel.basic_get(self.queue.name, no_ack=True)
            if msg is not None:
                return from_amqp(msg.headers, msg.content_type, msg.body)
            time.sleep(0.05)
        return None

    def close(self):
        self.conn.release()


def describe(env) -> str:
    spec = catalogue().event(env.type)
    return (f"{env.time}  {spec.handoff}  {spec.producer} → {', '.join(spec.consumers)}\n"
            f"    {env.type}  subject={env.subject}  signer={env.signer} key={env.signingkey}")


def url(agency: str, path: str) -> str:
    return f"http://{settings_for(agency).web_address}{path}"


def officer(agency: str) -> dict[str, str]:
    """The demo's officer at ``agency``: a token from the environment, else one issued with the local
    issuer key that the embedded first run made (a production service machine has no such key)."""
    from shared.auth import auth_headers, issue_token

    return auth_headers(agency) or {"Authorization": "Bearer " + issue_token(
        settings_for(agency).keys_dir, agency=agency, user=f"demo-officer.{agency}", roles=["officer"])}


# A made-up whistle-blower (举报人): the demo shows the bureau keeps them out of every message and log.
REPORTER = {"name": "Lin Xiaomei", "id_number": "460100198803150026", "phone": "13907550123"}


def report_step(say: Callable[[str], None]) -> None:
    """A real-name report reaches the bureau; only the roles that handle reports ever see who made it."""
    report_id = f"R-{uuid.uuid4().hex[:6]}"
    r = requests.post(url("healthcare_security", "/reports"), headers=officer("healthcare_security"), timeout=10,
                      json={"report_id": report_id, "region_code": "460100", "channel": "phone",
                            "target": "Haikou Kangning Pharmacy", "clues": "insurance cards lent for drug resale",
                            "reporter": REPORTER})
    r.raise_for_status()
    due = next((d["due_at"] for d in r.json().get("open_deadlines", [])), "none")
    say(f"[bold]4. A whistle-blower reports to the bureau[/bold] (HO-31): {report_id}, answer due {due}; "
        "the reporter's identity stays on the bureau's report row")


def _post(agency: str, path: str, body: dict, role: str = "officer") -> dict:
    from shared.auth import issue_token

    token = issue_token(settings_for(agency).keys_dir, agency=agency, user=f"demo-{role}.{agency}", roles=[role])
    r = requests.post(url(agency, path), json=body, headers={"Authorization": f"Bearer {token}"}, timeout=15)
    if r.status_code >= 400:
        raise RuntimeError(f"{agency} {path} answered {r.status_code}: {r.text}")
    return r.json()


def service_item_step(say: Callable[[str], None]) -> None:
    """HO-38: the health commission reviews a new service item; the bureau prices it."""
    code, review = f"33{uuid.uuid4().int % 10**7:07d}", f"HC-REV-{uuid.uuid4().hex[:6]}"
    _post("health_commission", "/service-item-reviews", {
        "review_id": review, "item_code": code, "item_name": "机器人辅助手术", "decision": "approved",
        "region_code": "460000"})
    say(f"[bold]5. The health commission approves new service item {code}[/bold] (HO-38); the bureau prices it")
    for _ in range(100):  # the review reaches the bureau over the bus
        try:
            _post("healthcare_security", "/service-prices", {
                "price_id": f"P-{review}", "review_id": review, "item_code": code, "item_name": "机器人辅助手术",
                "item_kind": "new", "price_fen": 800_000, "price_unit": "per operation", "region_code": "460000",
                "effective_from": datetime.now(UTC).date().isoformat()}, role="head")
            return
        except RuntimeError as exc:
            if "has not reached the bureau" not in str(exc):
                raise
            import time

            time.sleep(0.2)
    raise RuntimeError("the commission's review did not reach the bureau")


def comparison_step(say: Callable[[str], None]) -> None:
    """HO-34: the center asks the police to check deaths; a match opens a review, nothing changes by itself."""
    import time

    request_id = f"DC-{uuid.uuid4().hex[:6]}"
    alive, died = "460100198001010011", "460100194505050022"  # made-up ID numbers (masked in every log)
    _post("hs_center", "/insured-benefits", {"benefits": [
        {"id_number": p, "scheme": "resident", "region_code": "460100"} for p in (alive, died)]})
    _post("public_security", "/household-register", {"residents": [
        {"id_number": alive, "region_code": "460100", "status": "living"},
        {"id_number": died, "region_code": "460100", "status": "deceased", "died_on": "2026-11-02"}]})
    _post("hs_center", "/data-comparisons", {"request_id": request_id, "purpose": "death",
                                             "queried": ["public_security"], "region_code": "460100",
                                             "id_numbers": [alive, died]})
    say(f"[bold]6. The center asks the police to check deaths[/bold] (HO-34, {request_id}): persons travel as "
        "per-request tokens, never ID numbers")
    for _ in range(100):
        token = officer("hs_center")
        reviews = requests.get(url("hs_center", "/benefit-reviews?state=open"), headers=token, timeout=10).json()
        mine = [r for r in reviews.get("reviews", []) if r.get("request_id", request_id) == request_id]
        if mine:
            say(f"   the police's answer opened {len(mine)} benefit review(s) for an officer "
                f"({mine[0]['finding']}); the benefit stays {list(mine[0]['benefits_before'].values())[0]} "
                "until the officer decides")
            return
        time.sleep(0.2)
    say("   [yellow]no answer from the police yet[/yellow]")


def _get(agency: str, path: str) -> dict | None:
    r = requests.get(url(agency, path), headers=officer(agency), timeout=10)
    return r.json() if r.ok else None


def _until(probe: Callable[[], object], what: str, tries: int = 150):
    import time

    for _ in range(tries):
        if found := probe():
            return found
        time.sleep(0.2)
    raise RuntimeError(f"the demo waited in vain for {what}")


def joint_inspection_step(say: Callable[[str], None]) -> None:
    """HO-33: the bureau inspects a hospital with four other agencies; each answers and reports in its remit."""
    invited = ["health_commission", "market_regulation", "finance", "public_security"]
    inspection_id = f"JI-{uuid.uuid4().hex[:6]}"
    path = f"/joint-inspections/{inspection_id}"
    _post("healthcare_security", "/joint-inspections", {
        "inspection_id": inspection_id, "region_code": "460100", "inspection_kind": "flying",
        "target_kind": "institution", "target_id": "H46010001", "target_name": "Haikou Kangning Hospital",
        "scheduled_for": datetime.now(SHANGHAI).date().isoformat(), "invited": invited,
        "scope": "inpatient billing"})  # today in China: the inspection takes place and each reports
    say(f"[bold]7. The bureau invites four agencies to a joint inspection[/bold] (HO-33, {inspection_id})")
    for agency in invited:
        _until(lambda a=agency: _get(a, path), f"{agency} to receive the invitation")
        _post(agency, f"{path}/acceptance", {"decision": "accepted", "staff_count": 2})
        _post(agency, f"{path}/findings", {"findings": [{
            "finding_id": f"{agency}-1", "description": f"irregularity within {agency}'s remit",
            "amount_fen": 120_000, "follow_up": "own_enforcement"}]})
    _until(lambda: (v := _get("healthcare_security", path)) and len(v["reported"]) == len(invited),
           "the four reports at the bureau")
    result = _post("healthcare_security", f"{path}/findings", {"findings": [
        {"finding_id": f"{inspection_id}-{i}", "description": f"joint finding, {agency} follows it up",
         "amount_fen": 120_000, "lead_agency": agency} for i, agency in enumerate(invited)]})
    say(f"   all four accepted and reported; the bureau issued {len(result.get('result', {}).get('findings', []))} "
        "joint findings, each agency following up its own")


def summary(say: Callable[[str], None], tap: Tap, seen: list) -> None:
    """What crossed the bus during the demo, and the statutory clocks now running."""
    from collections import Counter

    from rich.table import Table

    while (env := tap.next(timeout=3)) is not None:
        seen.append(env)
    cat = catalogue()
    by_type = Counter(e.type for e in seen)
    table = Table("hand-off", "event", "from → to", "count", "reply")
    for event_type, n in sorted(by_type.items(), key=lambda kv: cat.event(kv[0]).handoff):
        spec = cat.event(event_type)
        table.add_row(spec.handoff, event_type.removeprefix("fundlink."),
                      f"{spec.producer} → {', '.join(spec.consumers)}", str(n), "yes" if spec.replies_to else "")
    say(table)
    open_now = Table("agency", "deadline kind", "open", "overdue")
    for agency in cat.services():
        try:
            text = requests.get(url(agency, "/metrics"), timeout=5).text
        except requests.RequestException:
            continue
        counts: dict[str, list[float]] = {}
        for line in text.splitlines():
            for name, col in (("fundlink_deadlines_open{", 0), ("fundlink_deadlines_overdue{", 1)):
                if line.startswith(name):
                    kind = line.split('kind="', 1)[1].split('"', 1)[0]
                    counts.setdefault(kind, [0.0, 0.0])[col] += float(line.rsplit(" ", 1)[1])
        for kind, (n_open, n_over) in sorted(counts.items()):
            if n_open or n_over:
                open_now.add_row(agency, kind, f"{n_open:.0f}", f"{n_over:.0f}")
    say(f"[bold]The day in figures[/bold]: {sum(by_type.values())} hand-offs of {len(by_type)} types, "
        f"{sum(n for t, n in by_type.items() if cat.event(t).replies_to)} of them replies")
    say(open_now)


def run(say: Callable[[str], None], amqp_uri: str) -> bool:
    """Drive HO-01 → HO-02 and print both as they cross. Returns True if the round trip closed."""
    tap = Tap(amqp_uri)
    try:
        now = datetime.now(UTC)
        year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
        period = f"{year}-{month:02d}"
        feed_id = f"FEED-460100-{period}-{uuid.uuid4().hex[:6]}"
        registry = {"entries": [
            {"payer_id": "91460100MA5T000001", "scheme": "employee", "region_code": "460100",
             "insured_person_count": 120, "monthly_due_fen": 9_876_500},
            {"payer_id": "460100199001010000", "scheme": "resident", "region_code": "460100",
             "insured_person_count": 1, "monthly_due_fen": 38_000},
        ]}
        say("[bold]1. The center loads its enrollment registry[/bold] (参保登记)")
        r = requests.post(url("hs_center", "/registry"), json=registry, headers=officer("hs_center"), timeout=10)
        r.raise_for_status()
        feed = {
            "feed_id": feed_id, "region_code": "460100", "region_level": "city", "period": period,
            "treasury_code": "HK-0101",
            "lines": [
                {"scheme": "employee", "payer_count": 1, "insured_person_count": 120,
                 "amount_collected_fen": 9_876_500, "refunds_fen": 0, "arrears_fen": 0, "late_surcharge_fen": 0},
                {"scheme": "resident", "payer_count": 1, "insured_person_count": 1,
                 "amount_collected_fen": 30_000, "refunds_fen": 0, "arrears_fen": 0, "late_surcharge_fen": 0},
            ],
        }
        say(f"[bold]2. Tax publishes the {period} collection feed[/bold] (HO-01, due by the 5th)")
        r = requests.post(url("tax", "/feeds"), json=feed, headers=officer("tax"), timeout=10)
        r.raise_for_status()
        say("   tax answered " + json.dumps(r.json(), ensure_ascii=False))
        seen, crossed = set(), []
        for _ in range(4):
            env = tap.next(timeout=20)
            if env is None:
                break
            crossed.append(env)
            if env.subject != feed_id:
                continue
            say("   [green]crossed the bus[/green] " + describe(env))
            seen.add(env.type)
            if "fundlink.hs_center.collection.reconciled.v1" in seen:
                break
        closed = {"fundlink.tax.collection.feed_published.v1", "fundlink.hs_center.collection.reconciled.v1"} <= seen
        state = requests.get(url("tax", f"/feeds/{feed_id}"), headers=officer("tax"), timeout=10).json()
        say(f"[bold]3. Tax's view of the feed now[/bold]: status={state.get('status')}")
        rec = state.get("reconciliation") or {}
        for d in rec.get("discrepancies", []):
            say(f"   discrepancy: {d['scheme']} {d['kind']}: due {d['expected_fen']} fen, "
                f"accounted {d['collected_fen']} fen")
        report_step(say)
        service_item_step(say)
        comparison_step(say)
        joint_inspection_step(say)
        summary(say, tap, crossed)
        return closed
    finally:
        tap.close()

"""Benchmark: hand-offs per second and latency of the full path, beside the raw limits.

    .venv/bin/python bench/handoff.py [--count 2000] [--paced 500] [--json figures.json]

One hand-off is HO-01 as an officer sends it: POST /feeds at tax (HTTP, marshmallow, domain,
state + signed outbox row in one transaction), the relay publishing with confirms, the broker,
and the center's consumer (signature, producer, JSON Schema, clock, inbox, handler, commit).
Its latency runs from the moment the request is sent to the ``processed_at`` the center's
inbox records in the committing transaction. Both services run as real subprocesses
(`fundlink serve`), on PostgreSQL (DATABASE_URL, own schemas) and on SQLite (WAL files).

In the same run, on the same broker and database, it measures:

* raw pika: the same number of messages of the same size, published with async confirms
  (a window of unconfirmed messages) and consumed with manual acks from a quorum queue;
* raw PostgreSQL: single-row INSERT + COMMIT, one connection, one after another;
* nameko: its own EventDispatcher to an @event_handler in a separate process;
* nameko's floor for this path: an ``@http`` POST whose worker dispatches an event that another
  service process handles, with no database, signing or validation, flat out and paced. Whatever
  fundlink adds sits on top of it, so its ratio to raw pika bounds what any nameko path can reach.

Goals (issue 9): at least 0.5 of raw pika end to end; p99 at most 10 ms at 500 hand-offs/s
paced. Nothing is enforced here: the figures are printed side by side with their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.services import (  # noqa: E402
    Services,
    bench_broker,
    bench_keys,
    bench_token,
    cpu_seconds,
    emit,
    free_port,
    raw_quorum_queue,
)

AGENCIES = ("tax", "hs_center")
FEED_TYPE = "fundlink.tax.collection.feed_published.v1"
RECONCILED_TYPE = "fundlink.hs_center.collection.reconciled.v1"
PERIOD = "2026-10"


def main() -> int:
    args = _args()
    if args.nameko_worker:
        return _nameko_worker(args.count, args.nameko_worker)
    if args.nameko_floor:
        return _nameko_floor_child(args.nameko_floor, args.count)
    amqp_uri = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672//")
    database_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    if not database_url.startswith("postgresql"):
        sys.exit("bench/handoff.py compares with raw PostgreSQL: set DATABASE_URL to a PostgreSQL database")
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    work = Path(tempfile.mkdtemp(prefix="fundlink-handoff-"))
    figures: dict = {"count": args.count, "paced_rate": args.paced, "machine": _machine(), "runs": {}}
    progress = Progress(TextColumn("{task.description:44}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=console, disable=args.quiet)
    try:
        with bench_broker(amqp_uri, console.print) as amqp_uri, progress:
            for store in args.stores:
                for mode in ("flat out", "paced"):
                    task = progress.add_task(f"fundlink {mode}, {store}", total=args.count)
                    figures["runs"][f"{store} {mode}"] = _fundlink_run(
                        store, mode, args, amqp_uri, database_url, work, lambda n, t=task: progress.advance(t, n))
            task = progress.add_task("raw pika, async confirms + manual acks", total=args.count)
            figures["raw_pika"] = _raw_pika(amqp_uri, args.count, _body_size(), lambda n: progress.advance(task, n))
            task = progress.add_task("raw PostgreSQL INSERT + COMMIT", total=args.count)
            figures["raw_postgresql"] = _raw_postgresql(database_url, args.count, lambda n: progress.advance(task, n))
            task = progress.add_task("nameko EventDispatcher → @event_handler", total=1)
            figures["nameko_dispatch"] = _nameko_dispatch(amqp_uri, args.count)
            progress.advance(task)
            figures["nameko_floor"] = {}
            for mode in ("flat out", "paced"):
                task = progress.add_task(f"nameko floor (HTTP → event → handler), {mode}", total=args.count)
                figures["nameko_floor"][mode] = _nameko_floor(
                    amqp_uri, args, mode, lambda n, t=task: progress.advance(t, n))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _ratios(figures)
    return emit(figures, args.json, _table(figures))


def _args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=2000, help="hand-offs (and raw messages/commits) per run")
    p.add_argument("--paced", type=float, default=500.0, help="hand-offs per second of the paced run")
    p.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients in the flat-out run")
    p.add_argument("--stores", nargs="+", default=["postgresql", "sqlite"], choices=["postgresql", "sqlite"])
    p.add_argument("--json", metavar="PATH", help="also write the figures as JSON, for comparison across commits")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--nameko-worker", metavar="AMQP_URI", help=argparse.SUPPRESS)
    p.add_argument("--nameko-floor", metavar="ROLE", help=argparse.SUPPRESS)
    return p.parse_args()


# -- 1. the full path -----------------------------------------------------------------------------------------
def _fundlink_run(store, mode, args, amqp_uri, database_url, work, advance) -> dict:
    """Fresh databases and queues, tax and the center as subprocesses, then `count` hand-offs."""
    import requests

    keys = bench_keys(work)
    token = bench_token(keys, "tax")

    def session() -> requests.Session:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {token}"
        return s

    # /health is 200 only once every consumer is bound: nothing sent after it can miss the center's queue.
    with Services(AGENCIES, amqp_uri=amqp_uri, database_url=database_url, work=work, keys=keys,
                  store=store) as services:
        local = threading.local()
        feeds_url = services.url("tax", "/feeds")
        _send(session(), feeds_url)  # one warm-up hand-off, not counted
        sent: dict[str, float] = {}
        lock = threading.Lock()

        def one(due: float | None) -> None:
            if due is not None:
                time.sleep(max(0.0, due - time.perf_counter()))
            if not hasattr(local, "session"):
                local.session = session()
            started = time.time()
            event_id = _send(local.session, feeds_url)
            with lock:
                sent[event_id] = started
            advance(1)

        cpu = {"client": time.process_time(), **{a: cpu_seconds(p.pid) for a, p in services.procs.items()}}
        first = _drive(one, args, mode)
        done = _wait_processed(services.urls["hs_center"], set(sent), timeout=max(120.0, args.count / 20))
        # The center's answers (HO-02) may still be reaching tax: tax's share is a lower bound.
        cpu = {"client": time.process_time() - cpu["client"],
               **{a: cpu_seconds(p.pid) - cpu[a] for a, p in services.procs.items()}}
    latencies = sorted(done[e] - sent[e] for e in sent if e in done)
    last = max(done[e] for e in sent if e in done)
    return {"handoffs": len(latencies), "lost": len(sent) - len(latencies),
            "per_second": round(len(latencies) / (last - first), 1), **_percentiles(latencies),
            "offered_rate": args.paced if mode == "paced" else None,
            "cpu_ms_per_handoff": {k: round(v * 1000 / max(1, len(latencies)), 2) for k, v in cpu.items()}}


def _drive(one, args, mode) -> float:
    """Call ``one(due)`` count times from the clients, flat out or paced; the epoch time of the start."""
    clients = args.clients if mode == "flat out" else max(args.clients, int(args.paced // 20) or 1)
    first = time.time()
    with ThreadPoolExecutor(clients) as pool:
        t0 = time.perf_counter() + 0.05
        dues = [t0 + i / args.paced if mode == "paced" else None for i in range(args.count)]
        list(pool.map(one, dues))
    return first


def _send(session, url) -> str:
    feed = {"feed_id": f"BENCH-{uuid.uuid4().hex[:16]}", "region_code": "460100", "region_level": "city",
            "period": PERIOD, "treasury_code": "HK-0101", "lines": [
                {"scheme": "employee", "payer_count": 2, "insured_person_count": 10, "amount_collected_fen": 1_000_000,
                 "refunds_fen": 0, "arrears_fen": 0, "late_surcharge_fen": 0}]}
    r = session.post(url, json=feed, timeout=60)
    if r.status_code != 202:
        raise RuntimeError(f"tax answered {r.status_code}: {r.text[:300]}")
    return r.json()["event_id"]


def _wait_processed(center_url: str, ids: set[str], timeout: float) -> dict[str, float]:
    """event id → the center's inbox processed_at (epoch seconds), once every id is in."""
    import sqlalchemy as sa

    engine = sa.create_engine(center_url)
    end = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as conn:
                rows = conn.execute(sa.text("SELECT event_id, processed_at FROM fundlink_inbox WHERE event_type = :t"),
                                    {"t": FEED_TYPE}).all()
            done = {e: _epoch(at) for e, at in rows if e in ids}
            if len(done) == len(ids) or time.monotonic() > end:
                return done
            time.sleep(0.2)
    finally:
        engine.dispose()


def _epoch(at) -> float:
    from datetime import UTC, datetime

    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


# -- 2. raw pika ----------------------------------------------------------------------------------------------
def _body_size() -> int:
    """Size of one HO-01 envelope body as fundlink sends it, so raw pika moves the same bytes."""
    from shared.bus.envelope import new_envelope

    env = new_envelope(agency="tax", event_type=FEED_TYPE, data={"x": "y" * 560}, subject="S", correlation_id="S",
                       region="460100")
    return len(env.body)


def _raw_pika(amqp_uri: str, count: int, size: int, advance) -> dict:
    import pika

    from shared.push.client import WindowedPublisher, pika_parameters

    params = pika_parameters(amqp_uri)
    queue = raw_quorum_queue(params)
    latencies: list[float] = []
    ready = threading.Event()

    def consume():
        with pika.BlockingConnection(params) as conn:
            ch = conn.channel()
            ch.basic_qos(prefetch_count=64)
            ready.set()
            for method, _props, body in ch.consume(queue):
                ch.basic_ack(method.delivery_tag)
                latencies.append(time.time() - float(body[:20]))
                advance(1)
                if len(latencies) == count:
                    ch.cancel()
                    break

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    ready.wait(30)

    def messages():
        for i in range(count):
            body = f"{time.time():<20.6f}".encode() + b"x" * max(0, size - 20)
            yield i, f"{queue}.x", {}, body, str(i)

    started = time.time()
    WindowedPublisher(amqp_uri, 64).run(messages(), lambda key: None)
    consumer.join(timeout=600)
    seconds = time.time() - started
    with pika.BlockingConnection(params) as conn:
        conn.channel().queue_delete(queue)
    return {"messages": len(latencies), "bytes": size, "per_second": round(len(latencies) / seconds, 1),
            **_percentiles(sorted(latencies))}


# -- 3. raw PostgreSQL ----------------------------------------------------------------------------------------
def _raw_postgresql(database_url: str, count: int, advance) -> dict:
    import psycopg2

    conn = psycopg2.connect(database_url)
    table = f"bench_commit_{os.getpid()}"
    latencies = []
    try:
        cur = conn.cursor()
        cur.execute(f"CREATE TABLE {table} (id bigserial PRIMARY KEY, event_id text NOT NULL, body jsonb)")
        conn.commit()
        started = time.perf_counter()
        for _ in range(count):
            t = time.perf_counter()
            cur.execute(f"INSERT INTO {table} (event_id, body) VALUES (%s, %s)", (str(uuid.uuid4()), '{"x": 1}'))
            conn.commit()
            latencies.append(time.perf_counter() - t)
            advance(1)
        seconds = time.perf_counter() - started
        cur.execute(f"DROP TABLE {table}")
        conn.commit()
    finally:
        conn.close()
    return {"commits": count, "per_second": round(count / seconds, 1), **_percentiles(sorted(latencies))}


# -- 4. nameko's own dispatch ---------------------------------------------------------------------------------
def _nameko_dispatch(amqp_uri: str, count: int) -> dict:
    """Run in a child process: eventlet must patch that process before anything else."""
    out = subprocess.run([sys.executable, __file__, "--count", str(count), "--nameko-worker", amqp_uri],
                         capture_output=True, text=True, timeout=900, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"nameko dispatch bench failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _nameko_worker(count: int, amqp_uri: str) -> int:
    import eventlet

    eventlet.monkey_patch()
    from eventlet.event import Event
    from nameko.events import event_handler
    from nameko.runners import ServiceRunner
    from nameko.standalone.events import event_dispatcher

    latencies: list[float] = []
    finished = Event()

    class Receiver:
        name = f"bench_receiver_{os.getpid()}"

        @event_handler("bench_sender", "ping")
        def ping(self, payload):
            latencies.append(time.time() - payload["sent"])
            if len(latencies) == count and not finished.ready():
                finished.send(True)

    config = {"AMQP_URI": amqp_uri, "serializer": "json", "max_workers": 10}
    runner = ServiceRunner(config)
    runner.add_service(Receiver)
    runner.start()
    try:
        dispatch = event_dispatcher(config)
        pad = "x" * max(0, _body_size() - 40)
        started = time.time()
        for _ in range(count):
            dispatch("bench_sender", "ping", {"sent": time.time(), "pad": pad})
        with eventlet.Timeout(600):
            finished.wait()
        seconds = time.time() - started
    finally:
        runner.stop()
        _delete_nameko_queue(amqp_uri, Receiver.name)
    print(json.dumps({"events": len(latencies), "per_second": round(len(latencies) / seconds, 1),
                      **_percentiles(sorted(latencies))}))
    return 0


# -- 5. nameko's floor for the path: HTTP → EventDispatcher → @event_handler ----------------------------------
FLOOR_SENDER = "bench_floor_sender"


def _nameko_floor(amqp_uri: str, args, mode: str, advance) -> dict:
    """The sender and the receiver as processes of their own, as fundlink's services run."""
    import requests

    port = free_port()
    env = {**os.environ, "AMQP_URI": amqp_uri, "BENCH_FLOOR_PORT": str(port)}
    cmd = [sys.executable, __file__, "--count", str(args.count), "--nameko-floor"]
    receiver = subprocess.Popen([*cmd, "receiver"], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    sender = subprocess.Popen([*cmd, "sender"], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        for child in (receiver, sender):
            if child.stdout.readline().strip() != "ready":
                raise RuntimeError("a nameko floor process did not start")
        url = f"http://127.0.0.1:{port}/ping"
        local = threading.local()
        pad = "x" * max(0, _body_size() - 40)

        def one(due: float | None) -> None:
            if due is not None:
                time.sleep(max(0.0, due - time.perf_counter()))
            if not hasattr(local, "session"):
                local.session = requests.Session()
            r = local.session.post(url, data=pad, headers={"X-Sent": repr(time.time())}, timeout=60)
            if r.status_code != 202:
                raise RuntimeError(f"the floor sender answered {r.status_code}")
            advance(1)

        client_cpu, sender_cpu = time.process_time(), cpu_seconds(sender.pid)
        first = _drive(one, args, mode)
        client_cpu = time.process_time() - client_cpu
        sender_cpu = cpu_seconds(sender.pid) - sender_cpu
        out, _ = receiver.communicate(timeout=max(120.0, args.count / 20))
    finally:
        for child in (sender, receiver):
            child.terminate()
            child.wait(30)
    got = json.loads(out.strip().splitlines()[-1])
    latencies = sorted(got["latencies"])
    per = lambda seconds: round(seconds * 1000 / max(1, len(latencies)), 2)  # noqa: E731
    return {"handoffs": len(latencies), "per_second": round(len(latencies) / (got["last"] - first), 1),
            **_percentiles(latencies), "offered_rate": args.paced if mode == "paced" else None,
            "cpu_ms_per_handoff": {"client": per(client_cpu), "sender": per(sender_cpu),
                                   "receiver": per(got["cpu"])}}


def _nameko_floor_child(role: str, count: int) -> int:
    import eventlet

    eventlet.monkey_patch()
    from eventlet.event import Event
    from nameko.events import EventDispatcher, event_handler
    from nameko.runners import ServiceRunner
    from nameko.web.handlers import http

    amqp_uri = os.environ["AMQP_URI"]
    config = {"AMQP_URI": amqp_uri, "serializer": "json", "max_workers": 10,
              "WEB_SERVER_ADDRESS": f"127.0.0.1:{os.environ['BENCH_FLOOR_PORT']}"}
    received: list[tuple[float, float]] = []
    finished = Event()

    class Sender:
        name = FLOOR_SENDER
        dispatch = EventDispatcher()

        @http("POST", "/ping")
        def ping(self, request):
            self.dispatch("ping", {"sent": float(request.headers["X-Sent"]), "pad": request.get_data(as_text=True)})
            return 202, ""

    class Receiver:
        name = f"bench_floor_receiver_{os.getpid()}"

        @event_handler(FLOOR_SENDER, "ping")
        def ping(self, payload):
            now = time.time()
            received.append((payload["sent"], now))
            if len(received) == count and not finished.ready():
                finished.send(True)

    runner = ServiceRunner(config)
    runner.add_service(Sender if role == "sender" else Receiver)
    runner.start()
    ready = os.times()
    print("ready", flush=True)
    try:
        if role == "sender":
            eventlet.sleep(3600)  # until the bench terminates it
            return 0
        with eventlet.Timeout(900):
            finished.wait()
    finally:
        runner.stop()
        if role == "receiver":
            _delete_nameko_queue(amqp_uri, Receiver.name, FLOOR_SENDER)
    cpu = os.times()
    print(json.dumps({"latencies": [got - sent for sent, got in received], "last": max(g for _, g in received),
                      "cpu": cpu.user + cpu.system - ready.user - ready.system}))
    return 0


def _delete_nameko_queue(amqp_uri: str, service: str, sender: str = "bench_sender") -> None:
    from kombu import Connection

    with Connection(amqp_uri) as conn:
        conn.channel().queue_delete(f"evt-{sender}-ping--{service}.ping")


# -- plumbing -------------------------------------------------------------------------------------------------
def _percentiles(sorted_seconds: list[float]) -> dict:
    if not sorted_seconds:
        return {"p50_ms": None, "p99_ms": None, "max_ms": None}
    pick = lambda q: sorted_seconds[min(len(sorted_seconds) - 1, int(q * len(sorted_seconds)))]  # noqa: E731
    return {"p50_ms": round(statistics.median(sorted_seconds) * 1000, 2), "p99_ms": round(pick(0.99) * 1000, 2),
            "max_ms": round(sorted_seconds[-1] * 1000, 2)}


def _ratios(f: dict) -> None:
    raw = f["raw_pika"]["per_second"]
    for run in [*f["runs"].values(), *f["nameko_floor"].values()]:
        run["ratio_to_raw_pika"] = round(run["per_second"] / raw, 3) if raw else None
    f["nameko_dispatch_ratio"] = round(f["nameko_dispatch"]["per_second"] / raw, 3) if raw else None


def _machine() -> dict:
    mem = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal:")), 0)
    return {"cpus": os.cpu_count(), "memory_gib": round(mem / 2**20, 1), "python": platform.python_version(),
            "date": time.strftime("%Y-%m-%d")}


def _table(f: dict) -> str:
    m = f["machine"]
    out = [f"{f['count']:,} per run on {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']}, {m['date']}", "",
           f"{'path':52} {'per s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'÷ raw pika':>11}", "-" * 100]

    def row(name, r, ratio=""):
        fmt = lambda v: "–" if v is None else f"{v:,.2f}"  # noqa: E731
        out.append(f"{name:52} {r['per_second']:>9,.0f} {fmt(r['p50_ms']):>8} {fmt(r['p99_ms']):>8} "
                   f"{fmt(r['max_ms']):>8} {ratio:>11}")

    for name, r in f["runs"].items():
        label = f"fundlink HO-01 full path, {name}"
        if r["offered_rate"]:
            label += f" at {r['offered_rate']:,.0f}/s"
        row(label + (f" ({r['lost']} lost)" if r["lost"] else ""), r, f"{r['ratio_to_raw_pika']:.2f}")
    row(f"raw pika, confirms + manual acks ({f['raw_pika']['bytes']} B)", f["raw_pika"], "1.00")
    row("raw PostgreSQL INSERT + COMMIT", f["raw_postgresql"])
    row("nameko EventDispatcher → @event_handler", f["nameko_dispatch"], f"{f['nameko_dispatch_ratio']:.2f}")
    for mode, r in f["nameko_floor"].items():
        label = f"nameko floor: @http → event → handler, {mode}"
        if r["offered_rate"]:
            label += f" at {r['offered_rate']:,.0f}/s"
        row(label, r, f"{r['ratio_to_raw_pika']:.2f}")
    for name, r in f["runs"].items():
        out.append(f"fundlink {name} CPU ms per hand-off: "
                   + ", ".join(f"{k} {v}" for k, v in r["cpu_ms_per_handoff"].items()))
    cpu = "; ".join(f"{mode}: " + ", ".join(f"{k} {v}" for k, v in r["cpu_ms_per_handoff"].items())
                    for mode, r in f["nameko_floor"].items())
    out.append(f"nameko floor CPU ms per hand-off ({cpu})")
    paced = [r for r in f["runs"].values() if r["offered_rate"]]
    flat = [r for name, r in f["runs"].items() if not r["offered_rate"]]
    out += ["", "goals: flat-out hand-offs/s ≥ 0.5 × raw pika: "
            + ", ".join(f"{r['ratio_to_raw_pika']:.2f}" for r in flat)
            + f";  p99 ≤ 10 ms at {f['paced_rate']:,.0f}/s paced: "
            + ", ".join(f"{r['p99_ms']} ms" for r in paced),
            "nameko's own floor for the path, no fundlink code: "
            f"{f['nameko_floor']['flat out']['ratio_to_raw_pika']:.2f} × raw pika flat out; "
            f"p99 {f['nameko_floor']['paced']['p99_ms']} ms at {f['paced_rate']:,.0f}/s paced"]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())

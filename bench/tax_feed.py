"""Benchmark: a collection feed from CSV to reconciled in the center's PostgreSQL.

    .venv/bin/python bench/tax_feed.py --lines 1000000 [--json]

In one run, on the broker and database of AMQP_URI and DATABASE_URL (PostgreSQL):

1. writes a synthetic feed and registry (`fundlink sample tax-feed`), loads the registry;
2. runs the real center (`fundlink serve hs_center`, own schema) and times
   `fundlink tax push` from the first byte read to the center's answer (HO-02), i.e.
   lines parsed, signed, published with confirms, checked, copied, verified against the
   manifest and reconciled with the registry, with the peak memory of both processes;
3. times PostgreSQL COPY of the same rows into a table shaped like the center's;
4. times a raw pika publish-and-consume of the same bytes, in the same chunk sizes;
5. times the center's comparison with the registry alone (its one statement, on the lines it
   staged, rolled back): a part of the path that can only start once the last line is in.

Goal (issue 5): at most 2x the COPY time, memory flat as the feed grows. No thresholds
are enforced here; the figures are printed side by side.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.services import (  # noqa: E402
    FUNDLINK,
    ROOT,
    Services,
    bench_broker,
    bench_keys,
    bench_token,
    cpu_seconds,
    raw_quorum_queue,
)

SCHEMA = "fl_bench_hs_center"  # the center's schema, made by bench.services.fresh_database


def main() -> int:
    args = _args()
    amqp_uri = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672//")
    database_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    if not database_url.startswith("postgresql"):
        sys.exit("bench/tax_feed.py compares with PostgreSQL COPY: set DATABASE_URL to a PostgreSQL database")
    work = Path(tempfile.mkdtemp(prefix="fundlink-bench-"))
    say = (lambda *a: None) if args.json else (lambda *a: print(*a, file=sys.stderr, flush=True))

    from shared.push.sample import write_sample

    say(f"writing a {args.lines:,}-line feed and its registry under {work}")
    sample = write_sample(work / "feed.csv", work / "registry.csv", lines=args.lines, seed=args.seed)
    keys = bench_keys(work)
    with bench_broker(amqp_uri, say) as amqp_uri:
        result = _measure(args, amqp_uri, database_url, work, sample, keys, say)
    if not args.keep:
        _drop_schema(database_url)
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, indent=1) if args.json else _table(result))
    return 0 if result["push"]["status"] in ("matched", "discrepancies") else 1


def _measure(args, amqp_uri, database_url, work, sample, keys, say) -> dict:
    with Services(["hs_center"], amqp_uri=amqp_uri, database_url=database_url, work=work, keys=keys) as services:
        center = services.procs["hs_center"]
        say("loading the registry")
        _load_registry(services.url("hs_center", "/registry.csv"), sample.registry, keys)
        center_before, cpu_before = _peak_kib(center.pid), cpu_seconds(center.pid)
        say("pushing the feed (fundlink tax push) and waiting for the center's answer")
        push = _timed_push(sample.feed, services.env, args)
        push["center_peak_kib"] = _peak_kib(center.pid)
        push["center_before_kib"] = center_before
        push["center_cpu_s"] = round(cpu_seconds(center.pid) - cpu_before, 2)
        push["center"] = _center_timeline(database_url, push.pop("started_at"))
    say("PostgreSQL COPY of the same rows")
    copy = _timed_copy(database_url, sample.feed)
    say("raw pika publish and consume of the same bytes")
    raw = _timed_raw_broker(amqp_uri, sample.feed, args.chunk_size)
    say("the center's comparison with the registry, alone")
    comparison = _timed_comparison(database_url)
    return {"lines": sample.feed_lines, "bytes": sample.feed.stat().st_size, "push": push, "copy": copy,
            "raw_broker": raw, "comparison": comparison, "ratio_to_copy": round(push["seconds"] / copy["seconds"], 2),
            # Staging the lines is itself a COPY of them; the comparison starts after the last one.
            "copy_plus_comparison_to_copy": round((copy["seconds"] + comparison["seconds"]) / copy["seconds"], 2)}


def _args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--chunk-size", type=int, default=5000)
    p.add_argument("--window", type=int, default=16)
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--keep", action="store_true", help="keep the bench schema for inspection")
    return p.parse_args()


# -- 1. the real path ----------------------------------------------------------------------------
def _timed_push(feed: Path, env: dict, args) -> dict:
    cmd = [*FUNDLINK, "tax", "push", str(feed), "--region", "460000", "--level", "province",
           "--treasury-code", "HK-0101", "--chunk-size", str(args.chunk_size), "--window", str(args.window),
           "--wait", "1800"]
    started, started_at = time.perf_counter(), time.time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL if args.json else None, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _peak_kib(proc.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    out = (proc.stdout.read() or "").strip().splitlines()
    verdict = json.loads(out[-1]) if out else {}
    return {"seconds": round(seconds, 2), "lines_per_s": round(verdict.get("line_count", 0) / seconds),
            "status": verdict.get("status", f"exit {proc.returncode}"),
            "discrepancies": verdict.get("discrepancy_count"), "client_peak_kib": peak,
            "client_cpu_s": round(client_cpu, 2), "started_at": started_at}


def _peak_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _center_timeline(database_url: str, started_at: float) -> dict:
    """Where the push's time went, from the center's own timestamps (seconds from the push's start):
    its first chunk, the start of the message that closed the feed, and its final answer (HO-02)."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f"SET search_path TO {SCHEMA}"))
            first, closed = conn.execute(sa.text(
                "SELECT first_seen_at, completed_at FROM detail_feed ORDER BY feed_no DESC LIMIT 1")).one()
            answers = conn.execute(sa.text(
                "SELECT created_at, body FROM fundlink_outbox WHERE event_type = "
                "'fundlink.hs_center.collection.reconciled.v1' ORDER BY id")).all()
    finally:
        engine.dispose()
    answered = next((at for at, body in answers
                     if json.loads(bytes(body)).get("status") in ("matched", "discrepancies", "refused")), None)
    since = lambda t: round(t.timestamp() - started_at, 2) if t is not None else None  # noqa: E731
    return {"first_chunk_s": since(first), "closing_from_s": since(closed), "answered_s": since(answered)}


# -- 2. PostgreSQL COPY --------------------------------------------------------------------------
def _timed_copy(database_url: str, feed: Path) -> dict:
    import psycopg2

    conn = psycopg2.connect(database_url)
    try:
        cur = conn.cursor()
        cur.execute(f"SET search_path TO {SCHEMA}")
        cur.execute("DROP TABLE IF EXISTS copy_baseline")
        cur.execute("CREATE TABLE copy_baseline (LIKE feed_line INCLUDING ALL)")
        cur.execute("ALTER TABLE copy_baseline ALTER feed_no SET DEFAULT 1, ALTER seq SET DEFAULT 1")
        cur.execute("CREATE SEQUENCE copy_line_no; ALTER TABLE copy_baseline ALTER line_no "
                    "SET DEFAULT nextval('copy_line_no')")
        conn.commit()
        started = time.perf_counter()
        with open(feed, encoding="utf-8") as fh:
            cur.copy_expert("COPY copy_baseline (payer_kind, payer_id, scheme, period, insured_persons, collected_fen,"
                            " refunded_fen, arrears_fen, late_surcharge_fen) FROM STDIN WITH (FORMAT csv, HEADER true)",
                            fh)
        conn.commit()
        seconds = time.perf_counter() - started
        cur.execute("SELECT count(*) FROM copy_baseline")
        rows = cur.fetchone()[0]
        cur.execute("DROP TABLE copy_baseline; DROP SEQUENCE copy_line_no")
        conn.commit()
    finally:
        conn.close()
    return {"seconds": round(seconds, 2), "lines_per_s": round(rows / seconds)}


def _timed_comparison(database_url: str) -> dict:
    """The center's own statement (services/hs_center/models.py find_discrepancies) on the feed it
    has just reconciled, in a transaction that is rolled back."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from services.hs_center import domain, models

    engine = sa.create_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            session.execute(sa.text(f"SET LOCAL search_path TO {SCHEMA}"))
            feed_no, region, level = session.execute(sa.text(
                "SELECT feed_no, region_code, region_level FROM detail_feed ORDER BY feed_no DESC LIMIT 1")).one()
            started = time.perf_counter()
            found = models.find_discrepancies(session, feed_no, domain.region_prefix(region, level))
            seconds = time.perf_counter() - started
            session.rollback()
    finally:
        engine.dispose()
    return {"seconds": round(seconds, 2), "discrepancies": found}


# -- 3. the raw broker ---------------------------------------------------------------------------
def _timed_raw_broker(amqp_uri: str, feed: Path, chunk_size: int) -> dict:
    import pika

    from shared.push.client import WindowedPublisher, pika_parameters

    params = pika_parameters(amqp_uri)  # kombu's '//' is pika's '%2F'; without AMQP_URI the default has it
    queue = raw_quorum_queue(params)
    chunks = list(_byte_chunks(feed, chunk_size))  # bytes ready in memory: time only the broker
    total, received = len(chunks), [0]

    def consume():
        with pika.BlockingConnection(params) as conn:
            ch = conn.channel()
            ch.basic_qos(prefetch_count=32)
            for method, _props, _body in ch.consume(queue):
                ch.basic_ack(method.delivery_tag)
                received[0] += 1
                if received[0] == total:
                    ch.cancel()
                    break

    started = time.perf_counter()
    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    WindowedPublisher(amqp_uri, 16).run(
        ((i, f"{queue}.x", {}, body, str(i)) for i, body in enumerate(chunks)), lambda key: None)
    consumer.join(timeout=600)
    seconds = time.perf_counter() - started
    with pika.BlockingConnection(params) as conn:
        conn.channel().queue_delete(queue)
    lines = sum(c.count(b"\n") for c in chunks)
    return {"seconds": round(seconds, 2), "lines_per_s": round(lines / seconds), "messages": total}


def _byte_chunks(feed: Path, chunk_size: int):
    with open(feed, "rb") as fh:
        fh.readline()
        buf = io.BytesIO()
        for n, line in enumerate(fh, 1):
            buf.write(line)
            if n % chunk_size == 0:
                yield buf.getvalue()
                buf = io.BytesIO()
        if buf.tell():
            yield buf.getvalue()


# -- plumbing ------------------------------------------------------------------------------------
def _drop_schema(database_url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    engine.dispose()


def _load_registry(url: str, registry: Path, keys: Path) -> None:
    import requests

    with open(registry, "rb") as body:
        r = requests.post(url, data=body, timeout=3600,
                          headers={"Authorization": f"Bearer {bench_token(keys, 'hs_center')}"})
    r.raise_for_status()


def _table(r: dict) -> str:
    mib = lambda kib: f"{kib / 1024:,.0f} MiB"  # noqa: E731
    p, c, b = r["push"], r["copy"], r["raw_broker"]
    rows = [
        ("fundlink push → reconciled", p["seconds"], p["lines_per_s"],
         f"client {mib(p['client_peak_kib'])} CPU {p['client_cpu_s']} s, "
         f"center {mib(p['center_before_kib'])} → {mib(p['center_peak_kib'])}, "
         f"center CPU {p['center_cpu_s']} s"),
        ("PostgreSQL COPY, same rows", c["seconds"], c["lines_per_s"], ""),
        ("raw pika publish+consume, same bytes", b["seconds"], b["lines_per_s"], f"{b['messages']} messages"),
    ]
    out = [f"{r['lines']:,} lines ({r['bytes'] / 2**20:,.1f} MiB CSV); center answer: {p['status']}, "
           f"{p['discrepancies']} discrepancies", "",
           f"{'path':40} {'seconds':>9} {'lines/s':>11}  peak memory / notes", "-" * 100]
    out += [f"{name:40} {secs:>9.2f} {rate:>11,}  {note}" for name, secs, rate, note in rows]
    t = p["center"]
    out += ["", f"center timeline (s from the push's start): first chunk {t['first_chunk_s']}, feed complete and "
                f"checked/reconciled from {t['closing_from_s']}, answered {t['answered_s']}"]
    out += ["", f"push time / COPY time = {r['ratio_to_copy']}x (goal: at most 2x)"]
    cmp_ = r["comparison"]
    out += [f"the comparison with the registry alone: {cmp_['seconds']} s ({cmp_['discrepancies']} found); "
            f"COPY + comparison = {r['copy_plus_comparison_to_copy']}x COPY (the lines are staged by COPY, "
            f"and compared once the last is in)"]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())

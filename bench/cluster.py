"""Benchmark: hand-offs per second on one broker node and on a 3-node cluster, by number of regions.

    .venv/bin/python bench/cluster.py [--count 400] [--raw-count 5000] [--regions 1 10 100] [--json out.json]

Both come from deploy/cluster/local-cluster.sh (started here if it is down, stopped again
afterwards): one node is c3 taken out of the cluster (``detach``, a standalone node, quorum queues
with one member); three nodes are c1..c3 clustered again, every quorum queue replicated on all
three. The same RabbitMQ build and the same machine, and never the shared main node. On each, for
1, 10 and 100 regions, in the same run:

* fundlink: HO-01 feeds posted to tax (16 clients, flat out), spread round-robin over the regions
  (routing keys ``tax.collection.feed_published.v1.<region>``), each answered by the center
  (HO-02); per second = feeds the center has processed / time from the first post to the last;
* raw broker, one queue: pika, publisher confirms (window 64) + manual acks, the same body size,
  the same region routing keys, one quorum queue bound to ``#`` as fundlink's queues are;
* raw broker, region groups: the same messages split into three region-group queues
  (``shared.bus.topology.region_group_queues``, a city and its counties in one group, group k's
  leader on node k), one consumer each.

DATABASE_URL must be PostgreSQL; the services get their own schemas (fl_bench_*).
"""

from __future__ import annotations

import argparse
import os
import shutil
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

from bench.handoff import AGENCIES, PERIOD, _body_size, _machine, _wait_processed  # noqa: E402
from bench.services import Services, bench_keys, bench_token, emit  # noqa: E402

SCRIPT = ROOT / "deploy" / "cluster" / "local-cluster.sh"
VHOST = "fundlink_bench"
GROUPS = 3


def regions(n: int) -> list[str]:
    """``n`` distinct city codes (province 11..41, city 01..), so region groups split them."""
    return [f"{11 + i % 31:02d}{i // 31 + 1:02d}00" for i in range(n)]


def main() -> int:
    args = _args()
    database_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    if not database_url.startswith("postgresql"):
        sys.exit("bench/cluster.py needs DATABASE_URL to name a PostgreSQL database")
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    was_up = subprocess.run([str(SCRIPT), "status"], capture_output=True).returncode == 0
    console.print("starting the 3-node cluster (about 30 s)…" if not was_up else "the cluster is up")
    subprocess.run([str(SCRIPT), "start"], check=True, capture_output=True)
    uris = subprocess.run([str(SCRIPT), "uri", VHOST], check=True, capture_output=True, text=True).stdout.strip()
    brokers = {"1 node": uris.split(";")[2], "3 nodes": uris}
    work = Path(tempfile.mkdtemp(prefix="fundlink-cluster-bench-"))
    figures: dict = {"count": args.count, "raw_count": args.raw_count, "machine": _machine(), "runs": []}
    progress = Progress(TextColumn("{task.description:46}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=console, disable=args.quiet)
    try:
        with progress:
            for broker, uri in brokers.items():
                if broker == "1 node":
                    subprocess.run([str(SCRIPT), "detach", "c3"], check=True, capture_output=True)
                    _fresh_vhost("c3")
                else:
                    subprocess.run([str(SCRIPT), "start"], check=True, capture_output=True)  # c3 joins again
                    _fresh_vhost("c1")
                for n in args.regions:
                    row = {"broker": broker, "regions": n}
                    task = progress.add_task(f"{broker}, {n} regions: fundlink", total=args.count)
                    row["fundlink"] = _fundlink(uri, database_url, work, regions(n), args,
                                                lambda k, t=task: progress.advance(t, k))
                    task = progress.add_task(f"{broker}, {n} regions: raw, one queue", total=args.raw_count)
                    row["raw_one_queue"] = _raw(uri, regions(n), 1, args.raw_count,
                                                lambda k, t=task: progress.advance(t, k))
                    task = progress.add_task(f"{broker}, {n} regions: raw, {GROUPS} region groups",
                                             total=args.raw_count)
                    row["raw_region_groups"] = _raw(uri, regions(n), GROUPS, args.raw_count,
                                                    lambda k, t=task: progress.advance(t, k))
                    figures["runs"].append(row)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        subprocess.run([str(SCRIPT), "start"], capture_output=True)  # c3 back in the cluster
        if not was_up and not args.keep_cluster:
            subprocess.run([str(SCRIPT), "stop"], capture_output=True)
    return emit(figures, args.json, _table(figures))


def _args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=400, help="fundlink hand-offs per run")
    p.add_argument("--raw-count", type=int, default=5000, help="raw broker messages per run")
    p.add_argument("--regions", type=int, nargs="+", default=[1, 10, 100])
    p.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients posting feeds")
    p.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    p.add_argument("--keep-cluster", action="store_true", help="leave a cluster this run started running")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p.parse_args()


def _fresh_vhost(node: str) -> None:
    ctl = ["rabbitmqctl", "-q", "-n", f"{node}@localhost"]
    subprocess.run([*ctl, "delete_vhost", VHOST], capture_output=True)
    subprocess.run([*ctl, "add_vhost", VHOST], check=True, capture_output=True)
    subprocess.run([*ctl, "set_permissions", "-p", VHOST, "guest", ".*", ".*", ".*"], check=True, capture_output=True)


# -- fundlink: tax and the center as processes, feeds over HTTP ---------------------------------------------
def _fundlink(amqp_uri, database_url, work, region_codes, args, advance) -> dict:
    import requests

    keys = bench_keys(work)
    token = bench_token(keys, "tax")
    with Services(AGENCIES, amqp_uri=amqp_uri, database_url=database_url, work=work, keys=keys) as services:
        local = threading.local()
        url = services.url("tax", "/feeds")
        sent: set[str] = set()
        lock = threading.Lock()

        def one(n: int) -> None:
            if not hasattr(local, "session"):
                local.session = requests.Session()
                local.session.headers["Authorization"] = f"Bearer {token}"
            feed = {"feed_id": f"BENCH-{uuid.uuid4().hex[:16]}", "region_code": region_codes[n % len(region_codes)],
                    "region_level": "city", "period": PERIOD, "treasury_code": "HK-0101", "lines": [
                        {"scheme": "employee", "payer_count": 2, "insured_person_count": 10,
                         "amount_collected_fen": 1_000_000, "refunds_fen": 0, "arrears_fen": 0,
                         "late_surcharge_fen": 0}]}
            r = local.session.post(url, json=feed, timeout=60)
            if r.status_code != 202:
                raise RuntimeError(f"tax answered {r.status_code}: {r.text[:300]}")
            with lock:
                sent.add(r.json()["event_id"])
            advance(1)

        first = time.time()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(one, range(args.count)))
        done = _wait_processed(services.urls["hs_center"], sent, timeout=max(120.0, args.count / 10))
    last = max(done.values()) if done else time.time()
    return {"handoffs": len(done), "lost": len(sent) - len(done), "per_second": round(len(done) / (last - first), 1)}


# -- the raw broker: pika, confirms + manual acks, one queue or region-group queues --------------------------
def _raw(amqp_uri: str, region_codes: list[str], groups: int, count: int, advance) -> dict:
    import pika
    from kombu import Connection

    from shared.bus.topology import events_exchange, queue_name, region_group, region_group_queues
    from shared.push.client import WindowedPublisher, pika_parameter_list

    key = f"bench.raw{uuid.uuid4().hex[:6]}.v1"
    if groups == 1:
        names = [f"{key}.all"]
        with pika.BlockingConnection(pika_parameter_list(amqp_uri)) as conn:
            ch = conn.channel()
            ch.exchange_declare(events_exchange.name, exchange_type="topic", durable=True)
            ch.queue_declare(names[0], durable=True, arguments={"x-queue-type": "quorum"})
            ch.queue_bind(names[0], events_exchange.name, f"{key}.#")
    else:
        queues = region_group_queues("bench", key, region_codes, groups)
        names = [q.name for q in queues]
        nodes = amqp_uri.split(";")
        for i, q in enumerate(queues):  # group k's leader on node k
            with Connection(nodes[i % len(nodes)]) as conn:
                q(conn.channel()).declare()
    expected = {name: 0 for name in names}
    for i in range(count):
        region = region_codes[i % len(region_codes)]
        expected[names[0] if groups == 1 else f"{queue_name('bench', key)}.g{region_group(region, groups)}"] += 1
    size = _body_size()
    received = [0]
    lock = threading.Lock()

    def consume(name: str, want: int) -> None:
        if not want:
            return
        got = 0
        with pika.BlockingConnection(pika_parameter_list(amqp_uri)) as conn:
            ch = conn.channel()
            ch.basic_qos(prefetch_count=64)
            for method, _props, _body in ch.consume(name):
                ch.basic_ack(method.delivery_tag)
                got += 1
                with lock:
                    received[0] += 1
                advance(1)
                if got == want:
                    ch.cancel()
                    break

    consumers = [threading.Thread(target=consume, args=(n, expected[n]), daemon=True) for n in names]
    for t in consumers:
        t.start()
    time.sleep(1)

    def messages():
        for i in range(count):
            yield i, f"{key}.{region_codes[i % len(region_codes)]}", {}, b"x" * size, str(i)

    started = time.time()
    WindowedPublisher(amqp_uri, 64).run(messages(), lambda k: None)
    for t in consumers:
        t.join(timeout=600)
    seconds = time.time() - started
    with pika.BlockingConnection(pika_parameter_list(amqp_uri)) as conn:
        ch = conn.channel()
        for name in names:
            ch.queue_delete(name)
    return {"messages": received[0], "queues": len(names), "per_second": round(received[0] / seconds, 1)}


def _table(f: dict) -> str:
    m = f["machine"]
    out = [f"{f['count']:,} hand-offs / {f['raw_count']:,} raw messages per run, {m['cpus']} CPUs, "
           f"{m['memory_gib']} GiB, Python {m['python']}, {m['date']}", "",
           f"{'broker':8} {'regions':>7} {'fundlink/s':>11} {'lost':>5} {'raw 1 queue/s':>14} "
           f"{'raw groups/s (queues)':>22} {'fundlink ÷ raw':>15}", "-" * 89]
    for r in f["runs"]:
        fl, one, grp = r["fundlink"], r["raw_one_queue"], r["raw_region_groups"]
        out.append(f"{r['broker']:8} {r['regions']:>7} {fl['per_second']:>11,.1f} {fl['lost']:>5} "
                   f"{one['per_second']:>14,.0f} {grp['per_second']:>17,.0f} ({grp['queues']}) "
                   f"{fl['per_second'] / one['per_second']:>15.3f}")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())

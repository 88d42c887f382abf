"""The fault drills' harness (tests/faults/harness.py), pointed at the local cluster.

Services get AMQP_URI naming the three nodes, c1 first (kombu's failover list); the drill has its
own vhost on the cluster and its own PostgreSQL database (``<DATABASE_URL's name>_cluster``).
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
import sqlalchemy as sa
from cluster.local_cluster import NODES
from harness import AGENCIES, Drill

VHOST = "fundlink_cluster"
OVERDUE_REGIONS = [f"4690{i:02d}" for i in range(1, 21)]  # schedules posted while the node is down


def broker_ports(pid: int) -> set[int]:
    """The cluster nodes' AMQP ports a process holds connections to."""
    out = subprocess.run(["ss", "-tnpH", "state", "established"], capture_output=True, text=True,
                         timeout=10).stdout
    ports = set()
    for line in out.splitlines():
        if f"pid={pid}," in line:
            peer = line.split()[-2] if "users:" in line.split()[-1] else line.split()[-1]
            port = int(peer.rsplit(":", 1)[1])
            if 5681 <= port <= 5683:
                ports.add(port)
    return ports


class ClusterDrill(Drill):
    """The fault drills' world, on the cluster: its own vhost there and its own database."""

    def __init__(self, scenario, database_url, keys_dir, log_dir, cluster, **kw):
        super().__init__(scenario, database_url, keys_dir, log_dir, **kw)
        base, name = database_url.split("?")[0].rsplit("/", 1)
        self.database = f"{name}_cluster"
        self.pg_base = f"{base}/{self.database}"
        self.cluster = cluster
        self.health: list[dict] = []
        self.overdue_regions: list[str] = []

    @property
    def admin_amqp(self) -> str:
        return self.cluster.uri(VHOST, first="c2")

    def amqp_for_services(self) -> str:
        return self.cluster.uri(VHOST, first="c1")

    def reset(self) -> None:
        self.cluster.add_vhost(VHOST)
        admin = sa.create_engine(self.pg_base.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": self.database}).first():
                conn.execute(sa.text(f"CREATE DATABASE {self.database}"))
        admin.dispose()
        engine = sa.create_engine(self.pg_base)
        with engine.begin() as conn:
            for agency in AGENCIES:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS fl_{agency} CASCADE"))
        engine.dispose()

    # -- traffic: feeds (HO-01/02) and registrations (HO-04) ------------------------------------
    def registration(self, n: int) -> dict:
        return {"registration_id": f"R-{self.scenario[:6]}-{n:06d}", "payer_id": f"9146{n:014d}",
                "scheme": "employee", "region_code": f"46{n % 3 + 1:02d}00", "insured_person_count": 1,
                "monthly_due_fen": 10_000, "change_type": "new", "effective_from": "2026-11-01",
                "applied_on": "2026-11-20"}

    def send_mixed(self, count: int, fault, fault_at: float = 0.3, workers: int = 16) -> None:
        started, done, fired = time.monotonic(), [0], threading.Event()

        def one(n: int) -> None:
            if n % 2:
                self._post_until_ok("hs_center", "/registrations", self.registration(n), give_up=300)
            else:
                self._post_until_ok("tax", "/feeds", self.feed(n), give_up=300)
            done[0] += 1
            if not fired.is_set() and done[0] >= count * fault_at:
                fired.set()
                threading.Thread(target=fault, daemon=True).start()

        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(one, range(count)))
        self.figures.sent = count
        self.figures.seconds = time.monotonic() - started

    def schedule_overdue_feeds(self) -> None:
        """Regions that owe October's feed (due 5 November) and never sent it: overdue at once."""
        for region in OVERDUE_REGIONS:
            self._post_until_ok("hs_center", "/feed-schedule", {"region_code": region, "first_period": "2026-10"})
        self.overdue_regions = list(OVERDUE_REGIONS)

    def watch_health(self, stop: threading.Event) -> None:
        while not stop.is_set():
            for agency in AGENCIES:
                with contextlib.suppress(requests.RequestException, ValueError):
                    r = requests.get(self.url(agency, "/health"), timeout=10)
                    # The gauge FundlinkComponentDown alerts on, read right after /health set it.
                    gauges = [line for line in requests.get(self.url(agency, "/metrics"), timeout=10).text.splitlines()
                              if line.startswith("fundlink_component_up{") and "broker node" in line]
                    self.health.append({"agency": agency, "status": r.status_code, "body": r.json(),
                                        "gauges": gauges})
            time.sleep(1)

    def settle_mixed(self, timeout: float = 600) -> None:
        tax, center = self.db("tax"), self.db("hs_center")
        feeds, registrations = (self.figures.sent + 1) // 2, self.figures.sent // 2

        def answered() -> tuple[int, int, int]:
            with tax.connect() as conn:
                f = conn.execute(sa.text("SELECT count(*) FROM collection_feed WHERE status <> 'published'")).scalar()
                o = conn.execute(sa.text("SELECT count(*) FROM overdue_notice")).scalar()
            with center.connect() as conn:
                r = conn.execute(sa.text("SELECT count(*) FROM registration WHERE tax_status IS NOT NULL")).scalar()
            return f, r, o

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            f, r, o = answered()
            if f >= feeds and r >= registrations and o >= len(self.overdue_regions):
                break
            time.sleep(1)
        time.sleep(3)  # let in-flight duplicates, if any, land before counting
        f, r, o = answered()
        duplicated = 0
        for engine, event_type in ((center, "fundlink.hs_center.collection.reconciled.v1"),
                                   (tax, "fundlink.tax.enrollment.acknowledged.v1"),
                                   (center, "fundlink.hs_center.collection.feed_overdue.v1")):
            with engine.connect() as conn:
                rows, distinct = conn.execute(sa.text(
                    "SELECT count(*), count(DISTINCT subject) FROM fundlink_outbox WHERE event_type = :t"),
                    {"t": event_type}).one()
            duplicated += rows - distinct
        tax.dispose()
        center.dispose()
        fig = self.figures
        fig.delivered = f + r
        fig.lost = fig.sent - fig.delivered
        fig.duplicated = duplicated
        fig.dead_lettered = sum(self.dead_letters(a) for a in AGENCIES)
        fig.notes.append(f"deadlines told {o} of {len(self.overdue_regions)}")
        self.overdue_told = o
        if fig.lost:
            fig.notes.extend(self.where_they_stopped(feeds - f, registrations - r))

    def where_they_stopped(self, feeds_open: int, registrations_open: int) -> list[str]:
        """For a failed drill: at which stage the unanswered hand-offs wait (outbox, queue, consumer)."""
        notes = [f"unanswered: {feeds_open} feeds (tax → center → tax), "
                 f"{registrations_open} registrations (center → tax → center)"]
        for agency in AGENCIES:
            engine = self.db(agency)
            with contextlib.suppress(Exception), engine.connect() as conn:
                unsent = conn.execute(sa.text(
                    "SELECT event_type, count(*), max(attempts), max(last_error) FROM fundlink_outbox "
                    "WHERE sent_at IS NULL GROUP BY event_type")).all()
                done = conn.execute(sa.text(
                    "SELECT event_type, count(*) FROM fundlink_inbox GROUP BY event_type")).all()
                notes.append(f"{agency} outbox unsent {[tuple(r) for r in unsent]}; inbox {[tuple(r) for r in done]}")
            engine.dispose()
        for node in NODES:
            with contextlib.suppress(Exception):
                queues = [q for q in self.cluster.queues(VHOST, via=node) if q["name"].startswith("fundlink.")]
                notes.append(f"queues via {node}: " + "; ".join(
                    f"{q['name']} leader {q['leader']} online {sorted(q['online'])} ready {q['messages_ready']} "
                    f"unacked {q['messages_unacknowledged']} consumers {q['consumers']}" for q in queues))
                break
        notes.append(f"service logs: {self.log_dir}")
        return notes

"""Fault drills: real agency services as child processes, real RabbitMQ and PostgreSQL,
a stream of hand-offs, one fault mid-stream, then a count of what arrived.

Hand-offs: tax publishes collection feeds (HO-01) over its HTTP API; the center
answers each with a reconciliation (HO-02), which tax applies. A feed is *delivered*
when tax holds the center's answer; a *duplicated effect* is a second reconciliation
produced for the same feed (the center handled one feed twice).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import eventlet
import requests
import sqlalchemy as sa
from kombu import Connection

ROOT = Path(__file__).resolve().parents[2]
AGENCIES = ("hs_center", "tax")
HANDOFFS = int(os.environ.get("FUNDLINK_FAULT_HANDOFFS", "10000"))
VHOST = "fundlink_faults"
FAULT_DB = "fundlink_faults"
# The servers the drills restart. `make faults` starts servers of their own (deploy/faults/servers.sh) and
# names them here; without these the drills act on the main RabbitMQ node and PostgreSQL cluster.
RABBIT_NODE = os.environ.get("FUNDLINK_FAULT_RABBIT_NODE", "")
AMQP_PORT = int(os.environ.get("FUNDLINK_FAULT_AMQP_PORT", "5672"))
PG_CLUSTER = os.environ.get("FUNDLINK_FAULT_PG_CLUSTER", "")  # "<version> <name>"; default: newest, main


def _die_with_parent() -> None:
    """Children must not outlive a killed test run: they would consume the next drill's queues."""
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


_Popen = eventlet.patcher.original("subprocess").Popen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sh(*cmd: str, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)


def rabbitmqctl(*args: str) -> subprocess.CompletedProcess:
    return sh("rabbitmqctl", *(("-n", RABBIT_NODE) if RABBIT_NODE else ()), *args)


def restart_postgresql() -> None:
    if RABBIT_NODE and not PG_CLUSTER:  # servers of its own, but not said which PostgreSQL: never guess "main"
        raise RuntimeError("FUNDLINK_FAULT_PG_CLUSTER is not set: `deploy/faults/servers.sh env` gives it")
    version, name = PG_CLUSTER.split() if PG_CLUSTER else (
        sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1], "main")
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"], check=True,
                   capture_output=True, timeout=120)


@dataclass
class Figures:
    scenario: str
    sent: int = 0
    delivered: int = 0
    lost: int = 0
    duplicated: int = 0
    dead_lettered: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def row(self) -> str:
        return (f"{self.scenario:28} {self.sent:>7} {self.delivered:>9} {self.lost:>5} {self.duplicated:>10} "
                f"{self.dead_lettered:>13} {self.seconds:>8.1f}")


HEADER = (f"{'scenario':28} {'sent':>7} {'delivered':>9} {'lost':>5} {'duplicated':>10} "
          f"{'dead-lettered':>13} {'seconds':>8}")


class Drill:
    """One scenario's world: a fresh vhost, fresh schemas, the two services."""

    def __init__(self, scenario: str, pg_base: str, keys_dir: Path, log_dir: Path, amqp_port: int = AMQP_PORT,
                 env_extra: dict[str, dict[str, str]] | None = None):
        self.scenario = scenario
        self.pg_base = pg_base.rsplit("/", 1)[0] + "/" + FAULT_DB
        self.keys_dir = keys_dir
        self.log_dir = log_dir
        self.amqp_port = amqp_port
        self.env_extra = env_extra or {}
        self.ports = {a: free_port() for a in AGENCIES}
        self.procs: dict[str, subprocess.Popen] = {}
        self.figures = Figures(scenario)

    # -- setup -------------------------------------------------------------------------
    @property
    def admin_amqp(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{AMQP_PORT}/{VHOST}"

    def amqp_for_services(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/{VHOST}"

    def reset(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            rabbitmqctl("delete_vhost", VHOST)
        rabbitmqctl("add_vhost", VHOST)
        rabbitmqctl("set_permissions", "-p", VHOST, "guest", ".*", ".*", ".*")
        admin = sa.create_engine(self.pg_base.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": FAULT_DB}).first():
                conn.execute(sa.text(f"CREATE DATABASE {FAULT_DB}"))
        admin.dispose()
        engine = sa.create_engine(self.pg_base)
        with engine.begin() as conn:
            for agency in AGENCIES:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS fl_{agency} CASCADE"))
        engine.dispose()

    def env(self, agency: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
        env.update({
            "AMQP_URI": self.amqp_for_services(), "DATABASE_URL": self.pg_base,
            "FUNDLINK_KEYS_DIR": str(self.keys_dir), "FUNDLINK_RELAY_POLL_SECONDS": "0.2",
            f"{agency.upper()}_WEB_SERVER_ADDRESS": f"127.0.0.1:{self.ports[agency]}", "PYTHONUNBUFFERED": "1",
        })
        env.update(self.env_extra.get(agency, {}))
        return env

    def start(self, agency: str, program: list[str] | None = None) -> None:
        log = open(self.log_dir / f"{self.scenario}-{agency}.log", "ab")  # noqa: SIM115 - owned by the child
        argv = [sys.executable, *(program or ["-m", "shared.entry"]), "serve", agency]
        # The unpatched Popen: eventlet's waits on the exec-error pipe through its hub, which, after hours of
        # sockets opened and closed, met a stale listener on the reused descriptor ("Second simultaneous
        # read on fileno 8") and failed the last drill of a 10,000-hand-off run. The pipe answers at exec.
        self.procs[agency] = _Popen(argv, env=self.env(agency), stdout=log, stderr=subprocess.STDOUT,
                                    cwd=ROOT, preexec_fn=_die_with_parent)
        self.wait_healthy(agency)

    def wait_healthy(self, agency: str, timeout: float = 90) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.procs[agency].poll() is not None:
                raise RuntimeError(f"{agency} exited with {self.procs[agency].returncode}; see {self.log_dir}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.url(agency, "/health"), timeout=2).status_code == 200:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"{agency} not healthy after {timeout}s")

    def wait_exit(self, agency: str, timeout: float = 300) -> int:
        """Poll, never block: Popen.wait would stall eventlet's hub and with it the traffic
        the child needs in order to reach its crash point."""
        proc = self.procs[agency]
        end = time.monotonic() + timeout
        while proc.poll() is None:
            if time.monotonic() > end:
                raise RuntimeError(f"{agency} did not exit within {timeout}s")
            time.sleep(0.2)
        self.procs.pop(agency)
        return proc.returncode

    def kill(self, agency: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(agency)
        proc.send_signal(sig)
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        for agency in list(self.procs):
            with contextlib.suppress(Exception):
                self.kill(agency, signal.SIGTERM)

    def officer(self, agency: str) -> dict[str, str]:
        from shared.auth import issue_token

        return {"Authorization": "Bearer " + issue_token(self.keys_dir, agency=agency, user="fault-drill",
                                                         roles=["officer"])}

    def url(self, agency: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[agency]}{path}"

    def db(self, agency: str) -> sa.Engine:
        from shared.config import agency_database_url

        return sa.create_engine(agency_database_url(self.pg_base, agency), pool_pre_ping=True)

    # -- traffic -----------------------------------------------------------------------
    def load_registry(self) -> None:
        entries = [{"payer_id": f"9146{i:014d}", "scheme": scheme, "region_code": "460100",
                    "insured_person_count": 10, "monthly_due_fen": 100_000}
                   for i, scheme in enumerate(["employee", "resident"])]
        self._post_until_ok("hs_center", "/registry", {"entries": entries})

    def _post_until_ok(self, agency: str, path: str, body: dict, give_up: float = 180) -> None:
        end = time.monotonic() + give_up
        while True:
            try:
                r = requests.post(self.url(agency, path), json=body, headers=self.officer(agency), timeout=10)
                if r.status_code < 300:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > end:
                raise RuntimeError(f"{agency}{path} kept failing")
            time.sleep(0.2)

    def feed(self, n: int) -> dict:
        return {"feed_id": f"F-{self.scenario[:6]}-{n:06d}", "region_code": "460100", "region_level": "city",
                "period": "2026-10", "treasury_code": "HK-0101",
                "lines": [{"scheme": "employee", "payer_count": 1, "insured_person_count": 10,
                           "amount_collected_fen": 100_000, "refunds_fen": 0, "arrears_fen": 0,
                           "late_surcharge_fen": 0}]}

    def send(self, count: int = HANDOFFS, fault_at: float = 0.4, fault=None, workers: int = 16) -> None:
        """Send ``count`` feeds; a client retries until tax accepts each one (idempotent by feed id)."""
        started = time.monotonic()
        done = [0]
        fired = threading.Event()

        def one(n: int) -> None:
            self._post_until_ok("tax", "/feeds", self.feed(n), give_up=300)
            done[0] += 1
            if fault and not fired.is_set() and done[0] >= count * fault_at:
                fired.set()
                threading.Thread(target=fault, daemon=True).start()

        if fault and fault_at <= 0:
            fired.set()
            threading.Thread(target=fault, daemon=True).start()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(one, range(count)))
        self.figures.sent = count
        self.figures.seconds = time.monotonic() - started

    def settle(self, timeout: float = 600) -> Figures:
        """Wait until every sent feed has its answer at tax, or the time is up; then count."""
        tax, center = self.db("tax"), self.db("hs_center")
        end = time.monotonic() + timeout
        answered = 0
        while time.monotonic() < end:
            with tax.connect() as conn:
                answered = conn.execute(sa.text(
                    "SELECT count(*) FROM collection_feed WHERE status <> 'published'")).scalar_one()
            if answered >= self.figures.sent:
                break
            time.sleep(1)
        time.sleep(2)  # let in-flight duplicates, if any, land before counting
        with tax.connect() as conn:
            answered = conn.execute(sa.text(
                "SELECT count(*) FROM collection_feed WHERE status <> 'published'")).scalar_one()
            accepted = conn.execute(sa.text("SELECT count(*) FROM collection_feed")).scalar_one()
        with center.connect() as conn:
            replies, distinct = conn.execute(sa.text(
                "SELECT count(*), count(DISTINCT subject) FROM fundlink_outbox "
                "WHERE event_type = 'fundlink.hs_center.collection.reconciled.v1'")).one()
        tax.dispose()
        center.dispose()
        f = self.figures
        f.delivered = answered
        f.lost = f.sent - answered
        f.duplicated = replies - distinct
        f.dead_lettered = sum(self.dead_letters(a) for a in AGENCIES)
        if accepted != f.sent:
            f.notes.append(f"tax holds {accepted} feeds for {f.sent} sent")
        return f

    def dead_letters(self, agency: str) -> int:
        with Connection(self.admin_amqp) as conn:
            channel = conn.channel()
            try:
                return channel.queue_declare(f"fundlink.{agency}.dlq", passive=True).message_count
            except Exception:  # noqa: BLE001 - never declared: none
                return 0
            finally:
                with contextlib.suppress(Exception):
                    channel.close()


class FaultProxy:
    """A TCP proxy to the broker that can stall (stop forwarding) and cut (close every connection)."""

    def __init__(self, upstream_port: int = AMQP_PORT):
        self.upstream = ("127.0.0.1", upstream_port)
        self.port = free_port()
        self.stalled = threading.Event()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", self.port))
        self.server.listen(64)
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.running:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            with self.lock:
                self.pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                while self.stalled.is_set():
                    time.sleep(0.05)
                dst.sendall(data)
        except (OSError, EOFError):  # the other side or a cut closed it
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.close()

    def stall(self, seconds: float) -> None:
        self.stalled.set()
        time.sleep(seconds)
        self.stalled.clear()

    def cut(self) -> None:
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for s in pair:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()

    def close(self) -> None:
        self.running = False
        self.cut()
        self.server.close()

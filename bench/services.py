"""What the benchmarks share: test keys, fresh databases and queues, and agency services started as
separate processes (``fundlink serve``), the way production runs them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
FUNDLINK = [sys.executable, "-c", "from shared.entry import main; main()"]


def bench_keys(work: Path) -> Path:
    """Test signing keys for every party and a token issuer key, made once per work folder."""
    from shared.auth import ensure_issuer_key
    from shared.bus.catalogue import catalogue
    from shared.bus.signing import generate_keys

    keys = work / "keys"
    if not keys.exists():
        for party in catalogue().agencies:
            generate_keys(party, keys, test=True)
    ensure_issuer_key(keys, test=True)
    return keys


def bench_token(keys: Path, agency: str) -> str:
    from shared.auth import issue_token

    return issue_token(keys, agency=agency, user="bench", roles=["integrator"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_database(store: str, database_url: str, work: Path, agency: str) -> str:
    """An empty SQLite file, or an emptied PostgreSQL schema of the agency's own."""
    if store == "sqlite":
        return f"sqlite:///{work / f'{agency}-{uuid.uuid4().hex[:6]}.sqlite'}"
    import sqlalchemy as sa

    schema = f"fl_bench_{agency}"
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    sep = "&" if "?" in database_url else "?"
    # application_name tells the agencies apart in pg_stat_activity and the server's log.
    return f"{database_url}{sep}options=-csearch_path%3D{schema}&application_name=fundlink-{agency}"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process, from /proc (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_healthy(port: int, proc, log: Path, timeout: float = 90) -> None:
    """Until /health is 200: database and broker reachable and every consumer bound to its queue."""
    import requests

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            sys.exit(f"a service exited ({proc.returncode}); see {log}:\n{log.read_text()[-2000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    sys.exit(f"a service did not become healthy within {timeout:.0f} s; see {log}")


class Services:
    """Agency services as ``fundlink serve`` processes on fresh databases and queues; stopped on exit.

    ``urls[agency]`` is its database, ``ports[agency]`` its HTTP port."""

    def __init__(self, agencies, *, amqp_uri: str, database_url: str, work: Path, keys: Path,
                 store: str = "postgresql", env: dict | None = None):
        self.agencies = tuple(agencies)
        self.urls = {a: fresh_database(store, database_url, work, a) for a in self.agencies}
        self.ports = {a: free_port() for a in self.agencies}
        self.logs = {a: work / f"{a}-{store}-{uuid.uuid4().hex[:6]}.log" for a in self.agencies}
        self.env = {**os.environ, "AMQP_URI": amqp_uri, "FUNDLINK_KEYS_DIR": str(keys), "FUNDLINK_QUIET": "1",
                    "PYTHONUNBUFFERED": "1", **(env or {})}
        for a in self.agencies:
            self.env[f"{a.upper()}_DATABASE_URL"] = self.urls[a]
            self.env[f"{a.upper()}_WEB_SERVER_ADDRESS"] = f"127.0.0.1:{self.ports[a]}"
        self.amqp_uri = amqp_uri
        self.procs: dict[str, subprocess.Popen] = {}

    def __enter__(self) -> Services:
        from shared.bus.topology import delete_agency_queues

        delete_agency_queues(self.amqp_uri, self.agencies)  # start empty: nothing of an earlier run counted
        for a in self.agencies:
            self.procs[a] = subprocess.Popen(  # noqa: SIM115 - the log file lives with the child
                [*FUNDLINK, "serve", a], env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL,
                stderr=open(self.logs[a], "w"))
        try:
            for a in self.agencies:
                wait_healthy(self.ports[a], self.procs[a], self.logs[a])
        except BaseException:
            self.__exit__()
            raise
        return self

    def url(self, agency: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[agency]}{path}"

    def __exit__(self, *exc) -> None:
        for p in self.procs.values():
            p.terminate()
        for p in self.procs.values():
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


BENCH_VHOST = "fundlink-bench"


@contextmanager
def bench_broker(amqp_uri: str, say=lambda message: None):
    """The AMQP URI a benchmark runs on: a vhost of its own, made anew and deleted afterwards.

    A bench's hand-offs are routed to every consumer the catalogue names, agencies it does not
    start included; on the operator's vhost they would wait in those agencies' queues and be
    refused (unknown bench keys) by the next `make run`. Only when AMQP_URI names the default vhost
    on one node, and the management API (FUNDLINK_RABBITMQ_MANAGEMENT_URL) answers; otherwise the
    given URI as it is."""
    from shared.contracts.broker import management_settings

    parts = urlsplit(amqp_uri)
    if ";" in amqp_uri or parts.path not in ("", "/", "//", "/%2F", "/%2f"):
        yield amqp_uri
        return
    import requests

    base, auth = management_settings()
    vhost_url = f"{base}/api/vhosts/{BENCH_VHOST}"
    try:
        requests.delete(vhost_url, auth=auth, timeout=30)  # an earlier run's leftovers, if any
        requests.put(vhost_url, auth=auth, timeout=30).raise_for_status()
        requests.put(f"{base}/api/permissions/{BENCH_VHOST}/{quote(unquote(parts.username or 'guest'), safe='')}",
                     json={"configure": ".*", "write": ".*", "read": ".*"}, auth=auth, timeout=30
                     ).raise_for_status()
    except requests.RequestException as exc:
        say(f"no vhost of the bench's own ({exc}); running on {parts.hostname}'s default vhost")
        yield amqp_uri
        return
    try:
        yield urlunsplit(parts._replace(path=f"/{BENCH_VHOST}"))
    finally:
        requests.delete(vhost_url, auth=auth, timeout=30)


def raw_quorum_queue(params) -> str:
    """A quorum queue bound to the events exchange under its own key, for the raw broker baselines."""
    import pika

    from shared.bus.topology import EVENTS_EXCHANGE

    queue = f"bench.raw.{os.getpid()}"
    with pika.BlockingConnection(params) as conn:
        ch = conn.channel()
        ch.exchange_declare(EVENTS_EXCHANGE, exchange_type="topic", durable=True)
        ch.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
        ch.queue_bind(queue, EVENTS_EXCHANGE, f"{queue}.#")
    return queue


def emit(figures: dict, json_path: str | None, table: str) -> int:
    """Print the table; with ``--json PATH`` also write the figures, for comparison across commits."""
    import json

    if json_path:
        Path(json_path).write_text(json.dumps(figures, indent=1))
    print(table)
    return 0

"""Driving the local 3-node RabbitMQ cluster (c1..c3@localhost, AMQP 5681..5683) from tests.

Everything goes through deploy/cluster/local-cluster.sh or `rabbitmqctl -n cN@localhost`:
the main node (rabbit@localhost, 5672) is never touched.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "cluster" / "local-cluster.sh"
NODES = ("c1", "c2", "c3")


def script(*args: str, timeout: int = 240) -> str:
    done = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 and args[0] != "status":
        raise RuntimeError(f"local-cluster.sh {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done.stdout


def ctl(node: str, *args: str, timeout: int = 60) -> str:
    """rabbitmqctl against one of the cluster's nodes, never the main one."""
    assert node in NODES
    return subprocess.run(["rabbitmqctl", "-q", "-n", f"{node}@localhost", *args], capture_output=True, text=True,
                          timeout=timeout, check=True).stdout


@dataclass
class Cluster:
    def uri(self, vhost: str = "%2F", first: str = "c1") -> str:
        """The failover URI, starting with ``first``."""
        uris = script("uri", vhost).strip().split(";")
        start = NODES.index(first)
        return ";".join(uris[start:] + uris[:start])

    @staticmethod
    def port(node: str) -> int:
        return 5680 + int(node[1:])

    def running_nodes(self, via: str) -> set[str]:
        out = ctl(via, "eval", "rabbit_nodes:all_running().")
        return {m.split("@")[0] for m in re.findall(r"c\d@localhost", out)}

    def queues(self, vhost: str, via: str) -> list[dict]:
        """name, type, leader node, online members, messages (ready, unacknowledged) and consumers of
        every queue in ``vhost``."""
        columns = ("name", "type", "leader", "online", "messages", "messages_ready", "messages_unacknowledged",
                   "consumers")
        out = ctl(via, "list_queues", "-p", vhost, "--no-table-headers", *columns)
        rows = []
        for line in out.splitlines():
            parts = line.split("\t")
            if len(parts) < len(columns):
                continue
            row = dict(zip(columns, parts, strict=False))
            rows.append({**{c: int(row[c] or 0) for c in columns[4:]}, "name": row["name"], "type": row["type"],
                         "leader": row["leader"].split("@")[0], "online": set(re.findall(r"(c\d)@", row["online"]))})
        return rows

    def kill(self, node: str) -> None:
        script("kill", node)

    def start_node(self, node: str) -> None:
        script("start-node", node)

    def add_vhost(self, vhost: str) -> None:
        subprocess.run(["rabbitmqctl", "-q", "-n", "c1@localhost", "delete_vhost", vhost], capture_output=True,
                       timeout=60)
        ctl("c1", "add_vhost", vhost)
        ctl("c1", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")


def wait_until(check, timeout: float, message: str, interval: float = 1.0):
    end = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except (subprocess.SubprocessError, OSError):
            value = None
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {message}")
        time.sleep(interval)

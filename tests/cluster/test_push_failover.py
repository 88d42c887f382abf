"""The tax push client (`fundlink tax push`, plain pika) loses its node mid-push and finishes on another.

AMQP_URI names the three nodes, c1 first; c1 is killed with SIGKILL once some chunks are
confirmed. The same push process reconnects to the next live node, resumes after the last
confirmed chunk, waits for the center's verdict on a quorum answer queue that outlived c1,
and the center holds each line once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import requests
import sqlalchemy as sa
from cluster.drill import VHOST, broker_ports
from cluster.local_cluster import wait_until
from harness import ROOT

from shared.push.sample import write_sample

pytestmark = [pytest.mark.cluster, pytest.mark.integration]
FUNDLINK = [sys.executable, "-c", "from shared.entry import main; main()"]
LINES = 20_000


def test_a_push_whose_node_is_killed_finishes_through_another_node(drill, tmp_path):
    d = drill("push_failover")
    d.start("hs_center")
    sample = write_sample(tmp_path / "feed.csv", tmp_path / "registry.csv", lines=LINES, seed=7,
                          planted_per_kind=5)
    with open(sample.registry, "rb") as body:
        r = requests.post(d.url("hs_center", "/registry.csv"), data=body, headers=d.officer("hs_center"),
                          timeout=300)
    assert r.status_code == 200 and r.json()["bad_count"] == 0, r.text
    state = tmp_path / "feed.csv.push-state.json"
    env = {**os.environ, "AMQP_URI": d.amqp_for_services(), "FUNDLINK_KEYS_DIR": str(d.keys_dir)}
    cmd = [*FUNDLINK, "tax", "push", str(sample.feed), "--region", "460000", "--level", "province",
           "--treasury-code", "HK-0101", "--feed-id", "F-FAILOVER", "--chunk-size", "200", "--window", "1"]
    push = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: state.exists() and json.loads(state.read_text())["confirmed"] >= 10, 120,
               "some chunks to be confirmed", interval=0.05)
    before = broker_ports(push.pid)
    d.cluster.kill("c1")
    confirmed_at_kill = json.loads(state.read_text())["confirmed"]
    time.sleep(5)
    during = broker_ports(push.pid)
    out, err = push.communicate(timeout=300)
    assert push.returncode == 0, err[-3000:]
    assert d.cluster.port("c1") in before, before
    assert during and d.cluster.port("c1") not in during, during
    assert confirmed_at_kill < LINES // 200, "the push finished before the node was killed"
    verdict = json.loads(out.strip().splitlines()[-1])
    assert (verdict["status"], verdict["line_count"], verdict["discrepancy_count"]) == ("discrepancies", LINES, 20)
    engine = d.db("hs_center")
    with engine.connect() as conn:
        lines, distinct = conn.execute(sa.text(
            "SELECT count(*), count(DISTINCT l.line_no) FROM feed_line l JOIN detail_feed f USING (feed_no) "
            "WHERE f.feed_id = 'F-FAILOVER'")).one()
    engine.dispose()
    assert (lines, distinct) == (LINES, LINES)
    assert VHOST in d.amqp_for_services()

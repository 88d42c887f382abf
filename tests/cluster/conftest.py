"""A local 3-node RabbitMQ cluster for the whole session.

Started and stopped with deploy/cluster/local-cluster.sh, the same script bench/cluster.py uses.
A cluster that was already up when the session began is left running; one this session started
is stopped and its data deleted. The main node (rabbit@localhost, 5672) is never touched.
"""

import subprocess

import pytest
from cluster.drill import ClusterDrill
from cluster.local_cluster import NODES, SCRIPT, Cluster, script


@pytest.fixture(scope="session")
def cluster():
    was_up = subprocess.run([str(SCRIPT), "status"], capture_output=True, timeout=120).returncode == 0
    script("start")
    yield Cluster()
    if not was_up:
        script("stop")


@pytest.fixture
def drill(cluster, database_url, keys_dir, tmp_path):
    drills = []

    def make(scenario, **kw):
        d = ClusterDrill(scenario, database_url, keys_dir, tmp_path, cluster, **kw)
        d.reset()
        drills.append(d)
        return d

    yield make
    for d in drills:
        d.stop_all()
    # Whatever happened, leave three running nodes for the next test.
    for node in NODES:
        cluster.start_node(node)

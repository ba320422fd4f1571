"""The multi-node contract, end to end: two nodes with their workers on PostgreSQL and Redis, and a third
started later with an empty index, through an import, a revocation and a cancellation, a synonym, a file and a
backup, with anonymous pages read on every node all along (no 5xx, nothing over 2 s).

Needs TEST_DATABASE_URL (PostgreSQL; the check makes a database of its own there) and Redis on 127.0.0.1:6379
(db 7, emptied first). The worker command is tests/cluster/harness.py's WORKER_ARGS.
"""

import os
import time

import pytest

from tests.cluster import harness
from tests.cluster.steps import Contract
from tests.scratch_db import scratch_postgres

PRODUCTS = 1500
BUDGET = 150  # seconds for the whole check; waits are cut short to end about then
PG_URL = os.environ.get("TEST_DATABASE_URL")


def _skip_reason() -> str | None:
    if not PG_URL:
        return "cluster check skipped: set TEST_DATABASE_URL to a PostgreSQL server"
    from sqlalchemy.engine import make_url

    url = make_url(PG_URL)
    if not harness.reachable(url.host or "127.0.0.1", url.port or 5432):
        return f"cluster check skipped: PostgreSQL at {url.host}:{url.port or 5432} does not answer"
    if not harness.reachable(harness.REDIS_HOST, harness.REDIS_PORT):
        return f"cluster check skipped: Redis at {harness.REDIS_HOST}:{harness.REDIS_PORT} does not answer"
    return None


@pytest.fixture
def cluster(request, tmp_path):
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    harness.flush_redis()
    with scratch_postgres(PG_URL, "portal_cluster") as url:
        cluster = harness.Cluster(tmp_path, url)
        request.node.cluster = cluster
        try:
            yield cluster
        finally:
            started = time.monotonic()
            cluster.stop()
            harness.stop_everything()
            print(f"nodes stopped in {time.monotonic() - started:.1f} s")


def test_contract_holds_on_three_nodes(cluster):
    contract = Contract(cluster, PRODUCTS, echo=print, budget=BUDGET)
    contract.run()
    assert not contract.failed, "steps that failed:\n" + contract.report()

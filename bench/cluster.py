"""Cluster benchmark: the multi-node contract at its own scale, timed.

    .venv/bin/python bench/cluster.py [--products 6000] [--later 1] [--worker-args worker] [--keep DIR]

Two production-mode nodes (gunicorn, 2 workers each, and each node's `flask --app wsgi worker`) on a scratch
PostgreSQL database (BENCH_DATABASE_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/test) and Redis
db 7 on 127.0.0.1:6379 (emptied first), and --later nodes started afterwards with an empty index, go through
tests/cluster/steps.py: `db upgrade` from two nodes at once, an import of --products products on node A, a
product revoked and a scenario cancelled on A, a synonym added on A, a file uploaded on A and downloaded on B,
`backup` on B refusing while that file is missing, then each later node's first search and its time to ready.
Anonymous pages of every node are read all along (tests/cluster/harness.py's Monitor).

Waits last up to 10× the contract's limits, so a late result is measured rather than cut off. Prints each step
as it ends (stderr), then one JSON object: import seconds; seconds until the import is found on each node;
seconds until the revocation and the cancellation show on B; synonym seconds per node; per node the requests,
5xx, errors, max and p99 seconds; each later node's first search seconds and seconds to ready; the steps that
failed; load average. Exit status 1 when the contract does not hold.
"""

import argparse
import json
import os
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=6000)
    parser.add_argument("--later", type=int, default=1, help="nodes started after the import, with empty indexes")
    parser.add_argument("--worker-args", default=None,
                        help="the portal worker's flask command (default: tests/cluster/harness.py WORKER_ARGS)")
    parser.add_argument("--patience", type=float, default=10.0, help="waits last this many times the limits")
    parser.add_argument("--keep", type=Path, default=None, help="keep the nodes' folders and logs here")
    args = parser.parse_args()

    from tests.cluster import harness
    from tests.cluster.steps import Contract
    from tests.scratch_db import scratch_postgres

    if args.worker_args:
        harness.WORKER_ARGS[:] = shlex.split(args.worker_args)
    if not harness.reachable(harness.REDIS_HOST, harness.REDIS_PORT):
        sys.exit(f"Redis does not answer on {harness.REDIS_HOST}:{harness.REDIS_PORT}")
    server = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="cluster-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    harness.flush_redis()
    started = time.monotonic()
    with scratch_postgres(server, "portal_cluster_bench") as url:
        cluster = harness.Cluster(folder, url)
        contract = Contract(cluster, args.products, later_nodes=args.later, patience=args.patience,
                            echo=lambda line: print(line, file=sys.stderr, flush=True))
        try:
            contract.run()
        except harness.ClusterError as error:
            print(f"stopped: {error}\n{cluster.logs()}", file=sys.stderr)
            return 1
        finally:
            cluster.stop()
            harness.stop_everything()
    result = summarize(contract, cluster)
    result.update(products=args.products, nodes=2 + args.later, worker_args=harness.WORKER_ARGS,
                  run_s=round(time.monotonic() - started, 1), load_avg=round(os.getloadavg()[0], 2))
    print(json.dumps(result, ensure_ascii=False))
    if contract.failed:
        print("logs kept in " + str(folder) if args.keep else cluster.logs()[-8000:], file=sys.stderr)
    elif not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if contract.failed else 0


def summarize(contract, cluster) -> dict:
    """The figures of the run, by step name."""
    out: dict = {"found_s": {}, "synonym_s": {}, "later": {}}
    for step in contract.steps:
        t = step.timings
        if step.name.startswith("import of"):
            out["import_s"] = t.get("import_s")
        elif step.name.startswith("every imported product found"):
            out["found_s"][step.name.rsplit(" ", 1)[-1]] = t.get("found_s")
        elif step.name.startswith("revoked product gone"):
            out["revoked_gone_s"], out["cancel_shown_s"] = t.get("revoked_gone_s"), t.get("cancel_shown_s")
        elif step.name.startswith("synonym added"):
            out["synonym_s"] = {k.removesuffix("_s"): v for k, v in t.items()}
        elif step.name.startswith("node ") and "started later" in step.name:
            out["later"][step.name.split()[1]] = {k: t.get(k) for k in ("first_search_s", "ready_s",
                                                                      "worker_build_s")}
    out["latency"] = cluster.samples.summary()
    out["failed"] = [f"{s.name}: {s.detail}" for s in contract.failed]
    return out


if __name__ == "__main__":
    sys.exit(main())

"""Page cache benchmark: a cached public page under steady load, across several expiry boundaries.

    .venv/bin/python bench/data.py [--scale 0.3]      # once: fills instance/bench/portal.sqlite
    .venv/bin/python bench/page_cache.py [--path /dashboard] [--seconds 5] [--boundaries 4] [--redis URL]
                                         [--root DIR] [--db URL] [--instance DIR]

Serves the portal (the checkout at --root, this one by default: point it at an export of an older commit to
compare) under gunicorn with 2 sync workers on loopback, PAGE_CACHE_SECONDS=--seconds, and REDIS_URL=--redis
if given (else the database keeps the data version). After one request to fill the cache, 16 client threads
ask for the page without a pause for --boundaries periods of the cache, and it prints one JSON object:
p50/p99/max latency of every request, of the requests under way during the half second after a boundary
(where every worker used to render the page again) and of the others, and how many requests took longer
than --slow-ms (renders, roughly: a cached answer takes a few ms). Without Redis each worker's periods start
at a moment of its own (portal/web/page_cache.py), so there the figures to compare are "all" p99 and max.
"""

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = ROOT / "instance" / "bench"


def gunicorn(root: Path, port: int, workers: int, env: dict) -> subprocess.Popen:
    command = [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers),
               "--bind", f"127.0.0.1:{port}", "--no-control-socket", "--log-level", "warning",
               "--chdir", str(root), "--pythonpath", str(root), "wsgi:app"]
    process = subprocess.Popen(command, cwd=root, env=env, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            get(port, "/healthz")
            return process
        except OSError:
            if process.poll() is not None:
                sys.exit(f"gunicorn exited with {process.returncode}")
            time.sleep(0.3)
    stop(process)
    sys.exit(f"gunicorn did not answer on port {port}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def load(port: int, path: str, clients: int, until: float) -> list[tuple[float, float, int]]:
    """(wall time sent, seconds taken, status) of every request of `clients` threads asking until `until`."""
    samples: list[tuple[float, float, int]] = []
    lock = threading.Lock()

    def client():
        mine = []
        while time.time() < until:
            sent, started = time.time(), time.perf_counter()
            try:
                status = get(port, path)
            except OSError:
                status = 0
            mine.append((sent, time.perf_counter() - started, status))
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(latencies: list[float]) -> dict:
    return {"requests": len(latencies), "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
            "max_ms": round(max(latencies, default=0.0) * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(ROOT), help="the portal checkout to serve")
    parser.add_argument("--instance", default=str(DEFAULT_INSTANCE))
    parser.add_argument("--db", help="database URL (default: the SQLite file of the instance folder)")
    parser.add_argument("--redis", help="REDIS_URL for the portal (default: none, the data version in the database)")
    parser.add_argument("--path", default="/dashboard")
    parser.add_argument("--seconds", type=int, default=5, help="PAGE_CACHE_SECONDS")
    parser.add_argument("--boundaries", type=int, default=4, help="periods of the cache measured")
    parser.add_argument("--connections", type=int, default=16, help="client threads")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8741)
    parser.add_argument("--slow-ms", type=float, default=50.0)
    args = parser.parse_args()

    instance = Path(args.instance).resolve()  # Flask wants an absolute instance path
    env = {**os.environ, "PORTAL_INSTANCE_PATH": str(instance), "PAGE_CACHE_SECONDS": str(args.seconds),
           "DATABASE_URL": args.db or f"sqlite:///{instance / 'portal.sqlite'}"}
    env.pop("REDIS_URL", None)
    if args.redis:
        env["REDIS_URL"] = args.redis
    portal = gunicorn(Path(args.root), args.port, args.workers, env)
    try:
        for _warm in range(2 * args.workers):
            if get(args.port, args.path) != 200:
                sys.exit(f"{args.path} does not answer 200")
        # Start just after a boundary so that every one measured is crossed under full load.
        start = (int(time.time()) // args.seconds + 1) * args.seconds + 0.5
        time.sleep(max(0.0, start - time.time()))
        samples = load(args.port, args.path, args.connections, start + args.boundaries * args.seconds)
    finally:
        stop(portal)
    def near_a_boundary(sent: float, took: float) -> bool:
        # Under way at some moment of the half second after a boundary (sent before it and waiting counts).
        boundary = (sent // args.seconds + 1) * args.seconds
        return sent % args.seconds < 0.5 or sent + took >= boundary

    near = [took for sent, took, _status in samples if near_a_boundary(sent, took)]
    away = [took for sent, took, _status in samples if not near_a_boundary(sent, took)]
    print(json.dumps({
        "path": args.path, "root": args.root, "store": "redis" if args.redis else "database",
        "page_cache_seconds": args.seconds, "boundaries": args.boundaries, "connections": args.connections,
        "workers": args.workers, "all": summary([took for _sent, took, _status in samples]),
        "after_boundary": summary(near), "elsewhere": summary(away),
        "slow_requests": sum(took * 1000 > args.slow_ms for _sent, took, _status in samples),
        "errors": sum(status != 200 for _sent, _took, status in samples),
        "load_avg": round(os.getloadavg()[0], 2), "nproc": os.cpu_count(),
    }, indent=1))


if __name__ == "__main__":
    main()

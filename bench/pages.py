"""Page benchmark: the portal on city-scale data against a bare Flask app, both under gunicorn.

    .venv/bin/python bench/data.py                # once: fills instance/bench/portal.sqlite
    .venv/bin/python bench/pages.py [--db URL] [--instance DIR] [--duration 5] [--warmup 2]

Serves the portal (instance/bench by default, or --db) and a Flask app that answers "hello", each under
gunicorn with 2 sync workers on loopback, loads every page with wrk (16 connections, --latency) after a
warm-up, and prints one JSON object: {"bare_rps", "pages": {NAME: {"rps", "p50_ms", "p95_ms", "p99_ms",
"ratio", "cpu_ms"}}, "worker_rss_mb", "load_avg", ...}. The bare app is measured before and after the
pages and its mean is the reference of every ratio. The portal runs as deployed, so anonymous requests
for public pages are answered by its page cache (portal/web/page_cache.py) after the first; `--no-page-cache`
serves every request by rendering, as a signed-in user's pages always are. cpu_ms is the CPU time of
rendering the page once (page cache off) through the test client in this process, which a busy machine
disturbs far less than requests/s.
Targets: ratio ≥ 0.30 and p95 ≤ 60 ms; RSS ≤ 200 MB a worker.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
LUA = BENCH / "wrk_percentiles.lua"
DEFAULT_INSTANCE = ROOT / "instance" / "bench"
WRK_LINE = re.compile(r"BENCH requests=(\d+) duration_us=(\d+) non2xx=(\d+) socket_errors=(\d+) "
                      r"p50=(\d+) p95=(\d+) p99=(\d+)")

PAGES = {
    "home": "/",
    "scenarios_p1": "/scenarios",
    "scenarios_p200": "/scenarios?page=200",
    "scenarios_filtered_p1": "/scenarios?status=final",
    "scenarios_filtered_p200": "/scenarios?status=final&page=200",
    "scenario_detail": None,  # the newest final scenario, found on the filtered list
    "catalogue_search": "/search?q=%E7%BA%A2%E5%A4%96%E7%83%AD%E5%83%8F%E4%BB%AA",  # 红外热像仪
    "api_products": "/api/v1/products?q=%E7%BA%A2%E5%A4%96",  # 红外
    "api_scenarios": "/api/v1/scenarios",  # measured when it answers 200
}
OPTIONAL = {"api_scenarios"}


def bare_app():
    """The reference: the cheapest possible Flask response under the same server."""
    from flask import Flask

    app = Flask("bare")

    @app.get("/")
    def hello():
        return "hello"

    return app


def gunicorn(target: str, port: int, workers: int, env: dict) -> subprocess.Popen:
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
               "--no-control-socket", "--log-level", "warning", "--pythonpath", f"{ROOT},{BENCH}", target]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30)  # noqa: S310 -- loopback
            return process
        except urllib.error.HTTPError:
            return process
        except OSError:
            if process.poll() is not None:
                sys.exit(f"gunicorn {target} exited with {process.returncode}")
            time.sleep(0.3)
    stop(process)
    sys.exit(f"gunicorn {target} did not answer on port {port}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def workers_rss_mb(master: int) -> list[float]:
    """Resident memory of each worker (the children of the gunicorn master)."""
    sizes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields.get("PPid", "0").strip()) == master and "VmRSS" in fields:
            sizes.append(round(int(fields["VmRSS"].split()[0]) / 1024, 1))
    return sorted(sizes)


def status_of(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 -- loopback
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def wrk(url: str, seconds: float, connections: int, threads: int) -> dict:
    command = [shutil.which("wrk") or "/usr/bin/wrk", f"-t{threads}", f"-c{connections}",
               f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "10s", "-s", str(LUA), url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    match = WRK_LINE.search(out)
    if not match:
        sys.exit(f"wrk printed no summary for {url}:\n{out}")
    requests, duration_us, non2xx, socket_errors, p50, p95, p99 = map(int, match.groups())
    return {"rps": round(requests / (duration_us / 1e6), 1), "p50_ms": round(p50 / 1000, 1),
            "p95_ms": round(p95 / 1000, 1), "p99_ms": round(p99 / 1000, 1), "requests": requests,
            "errors": non2xx + socket_errors}


def cpu_ms_per_request(env: dict, paths: dict, rounds: int = 20) -> dict:
    """CPU time of one request, in this process through the test client: far less sensitive to load than rps."""
    os.environ.update({k: env[k] for k in ("PORTAL_INSTANCE_PATH", "DATABASE_URL")})
    sys.path.insert(0, str(ROOT))
    from portal import create_app

    client = create_app({"PAGE_CACHE_SECONDS": 0}).test_client()
    result = {}
    for name, path in paths.items():
        for _warm in range(3):
            client.get(path)
        started = time.process_time()
        for _round in range(rounds):
            client.get(path)
        result[name] = round((time.process_time() - started) * 1000 / rounds, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: the SQLite file of the instance folder)")
    parser.add_argument("--instance", default=str(DEFAULT_INSTANCE))
    parser.add_argument("--duration", type=int, default=5, help="seconds measured per page")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load first")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of each app")
    parser.add_argument("--port", type=int, default=8731, help="the portal's port; the bare app uses the next")
    parser.add_argument("--only", help="comma-separated page names")
    parser.add_argument("--no-page-cache", action="store_true", help="render every request (PAGE_CACHE_SECONDS=0)")
    args = parser.parse_args()

    instance = Path(args.instance)
    env = {**os.environ, "PORTAL_INSTANCE_PATH": str(instance),
           "DATABASE_URL": args.db or f"sqlite:///{instance / 'portal.sqlite'}"}
    if args.no_page_cache:
        env["PAGE_CACHE_SECONDS"] = "0"
    portal_port, bare_port = args.port, args.port + 1
    load = []

    def measure(url: str) -> dict:
        wrk(url, args.warmup, args.connections, args.threads)
        result = wrk(url, args.duration, args.connections, args.threads)
        load.append(os.getloadavg()[0])
        return result

    bare = gunicorn("pages:bare_app()", bare_port, args.workers, env)
    portal = gunicorn("wsgi:app", portal_port, args.workers, env)
    try:
        base = f"http://127.0.0.1:{portal_port}"
        pages = dict(PAGES)
        _status, html = status_of(base + "/scenarios?status=final")
        found = re.search(r'href="(/scenarios/\d+)"', html)
        pages["scenario_detail"] = found.group(1) if found else "/scenarios/1"
        if args.only:
            pages = {k: v for k, v in pages.items() if k in args.only.split(",")}
        bare_runs = [measure(f"http://127.0.0.1:{bare_port}/")["rps"]]
        results, skipped = {}, {}
        for name, path in pages.items():
            code, _body = status_of(base + path)
            if code != 200:
                if name not in OPTIONAL:
                    print(f"warning: {name} {path} answered {code}", file=sys.stderr)
                skipped[name] = code
                continue
            results[name] = {"path": path, **measure(base + path)}
            print(f"{name}: {results[name]}", file=sys.stderr, flush=True)
        bare_runs.append(measure(f"http://127.0.0.1:{bare_port}/")["rps"])
        rss = workers_rss_mb(portal.pid)
    finally:
        stop(portal)
        stop(bare)
    bare_rps = round(sum(bare_runs) / len(bare_runs), 1)
    cpu = cpu_ms_per_request(env, {name: result["path"] for name, result in results.items()})
    for name, result in results.items():
        result["cpu_ms"] = cpu[name]
    for result in results.values():
        result["ratio"] = round(result["rps"] / bare_rps, 3)
        result["meets_targets"] = result["ratio"] >= 0.30 and result["p95_ms"] <= 60 and not result["errors"]
    print(json.dumps({
        "bare_rps": bare_rps, "bare_runs_rps": bare_runs, "pages": results, "skipped": skipped,
        "worker_rss_mb": rss, "rss_target_met": bool(rss) and max(rss) <= 200,
        "load_avg": {"min": round(min(load), 2), "max": round(max(load), 2)}, "nproc": os.cpu_count(),
        "connections": args.connections, "duration_s": args.duration, "page_cache": not args.no_page_cache,
    }, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

"""Page benchmark: the portal on city-scale data against a bare Flask app, both under gunicorn.

    .venv/bin/python bench/data.py                # once: fills instance/bench/portal.sqlite
    .venv/bin/python bench/pages.py [--db URL] [--instance DIR] [--duration 5] [--warmup 2]

Serves the portal (instance/bench by default, or --db) and a Flask app that answers "hello", each under
gunicorn with 2 sync workers on loopback, loads every page of bench/profile_pages.py with wrk (16
connections, --latency) after a warm-up — the signed-in ones (an enterprise's proposals, a department's
scenarios, submissions and ranking, its dashboard, the admin's, a reviewer's tasks) with the cookie of a
server-side sign-in of that role — and prints one JSON object: {"bare_rps", "pages": {NAME: {"rps",
"p50_ms", "p95_ms", "p99_ms", "ratio", "cpu_ms"}}, "worker_rss_mb", "load_avg", ...}. The bare app is
measured before and after the pages and its mean is the reference of every ratio. Before each page the
dashboards' figures are counted ahead, as a node's worker does every minute. The portal runs as deployed, so
anonymous requests for public pages are answered by its page cache (portal/web/page_cache.py) after the
first; `--no-page-cache` serves every request by rendering, as a signed-in user's pages always are. cpu_ms is
the CPU time of rendering the page once (page cache off) through the test client in this process, which a
busy machine disturbs far less than requests/s.
Targets (issue 16, rendered): ratio ≥ 0.25 on SQLite, ≥ 0.15 on PostgreSQL, and p95 ≤ 60 ms; RSS ≤ 200 MB a
worker.
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

# The pages of bench/profile_pages.py (anonymous and signed-in): NAME → (role or None, path), chosen from the data.
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
    command = [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
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


def status_of(url: str, cookie: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310 -- loopback
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 -- loopback
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def wrk(url: str, seconds: float, connections: int, threads: int, cookie: str | None = None) -> dict:
    command = [shutil.which("wrk") or "/usr/bin/wrk", f"-t{threads}", f"-c{connections}",
               f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "10s", "-s", str(LUA), url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    match = WRK_LINE.search(out)
    if not match:
        sys.exit(f"wrk printed no summary for {url}:\n{out}")
    requests, duration_us, non2xx, socket_errors, p50, p95, p99 = map(int, match.groups())
    return {"rps": round(requests / (duration_us / 1e6), 1), "p50_ms": round(p50 / 1000, 1),
            "p95_ms": round(p95 / 1000, 1), "p99_ms": round(p99 / 1000, 1), "requests": requests,
            "errors": non2xx + socket_errors}


def prepare(env: dict) -> tuple[object, dict, dict]:
    """In this process: the app, the pages with the ids the data has, and a cookie for each role that signs in
    (a server-side sign-in as tests make; gunicorn's workers share the instance folder's secret key)."""
    import profile_pages

    os.environ.update({k: env[k] for k in ("PORTAL_INSTANCE_PATH", "DATABASE_URL")})
    sys.path.insert(0, str(ROOT))
    from portal import create_app
    from portal.extensions import db

    app = create_app({"PAGE_CACHE_SECONDS": 0})
    with app.app_context():
        db.create_all()  # tables added since the data was built
        profile_pages.refresh_ahead()
    ids = profile_pages.pick(app)
    pages = profile_pages.pages(ids)
    cookies, clients = {}, {}
    for role in {role for role, _path in pages.values()}:
        clients[role] = profile_pages.signed_in_client(app, ids["users"][role] if role else None)
        cookie = clients[role].get_cookie(app.config["SESSION_COOKIE_NAME"]) if role else None
        cookies[role] = f"{cookie.key}={cookie.value}" if cookie else None
    return app, pages, {"cookies": cookies, "clients": clients}


def refresh_ahead(app) -> None:
    """What a node's worker does every minute: the dashboards' figures (they are read for MAX_AGE after)."""
    import profile_pages

    with app.app_context():
        profile_pages.refresh_ahead()


def cpu_ms_per_request(app, clients: dict, pages: dict, rounds: int = 20) -> dict:
    """CPU time of one request, in this process through the test client: far less sensitive to load than rps."""
    result = {}
    for name, (role, path) in pages.items():
        client = clients[role]
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
    if not shutil.which("wrk"):
        sys.exit("bench/pages.py loads the pages with wrk: install Debian's package first (apt-get install -y wrk)")

    instance = Path(args.instance).resolve()  # Flask wants an absolute instance path
    env = {**os.environ, "PORTAL_INSTANCE_PATH": str(instance),
           "DATABASE_URL": args.db or f"sqlite:///{instance / 'portal.sqlite'}"}
    if args.no_page_cache:
        env["PAGE_CACHE_SECONDS"] = "0"
    portal_port, bare_port = args.port, args.port + 1
    load = []

    def measure(url: str, cookie: str | None = None) -> dict:
        wrk(url, args.warmup, args.connections, args.threads, cookie)
        result = wrk(url, args.duration, args.connections, args.threads, cookie)
        load.append(os.getloadavg()[0])
        return result

    app, pages, signed = prepare(env)
    if args.only:
        pages = {k: v for k, v in pages.items() if k in args.only.split(",")}
    bare = gunicorn("pages:bare_app()", bare_port, args.workers, env)
    portal = gunicorn("wsgi:app", portal_port, args.workers, env)
    try:
        base = f"http://127.0.0.1:{portal_port}"
        bare_runs = [measure(f"http://127.0.0.1:{bare_port}/")["rps"]]
        results, skipped = {}, {}
        for name, (role, path) in pages.items():
            refresh_ahead(app)
            cookie = signed["cookies"][role]
            code, body = status_of(base + path, cookie)
            if role and 'action="/logout"' not in body:  # redirected to the sign-in page: not this role's page
                code = 401
            if code != 200:
                if name not in OPTIONAL:
                    print(f"warning: {name} {path} answered {code}", file=sys.stderr)
                skipped[name] = code
                continue
            results[name] = {"path": path, "role": role, **measure(base + path, cookie)}
            print(f"{name}: {results[name]}", file=sys.stderr, flush=True)
        bare_runs.append(measure(f"http://127.0.0.1:{bare_port}/")["rps"])
        rss = workers_rss_mb(portal.pid)
    finally:
        stop(portal)
        stop(bare)
    bare_rps = round(sum(bare_runs) / len(bare_runs), 1)
    cpu = cpu_ms_per_request(app, signed["clients"], {name: pages[name] for name in results})
    for name, result in results.items():
        result["cpu_ms"] = cpu[name]
    for result in results.values():
        result["ratio"] = round(result["rps"] / bare_rps, 3)
        least = 0.25 if env["DATABASE_URL"].startswith("sqlite") else 0.15
        result["meets_targets"] = result["ratio"] >= least and result["p95_ms"] <= 60 and not result["errors"]
    print(json.dumps({
        "bare_rps": bare_rps, "bare_runs_rps": bare_runs, "pages": results, "skipped": skipped,
        "worker_rss_mb": rss, "rss_target_met": bool(rss) and max(rss) <= 200,
        "load_avg": {"min": round(min(load), 2), "max": round(max(load), 2)}, "nproc": os.cpu_count(),
        "connections": args.connections, "duration_s": args.duration, "page_cache": not args.no_page_cache,
    }, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

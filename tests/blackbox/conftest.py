"""One production-mode portal (gunicorn, two workers, throttling counts in Redis) per session, with a small world
staged before it serves (tests/blackbox/stage.py), attacked over HTTP as an outsider would.

Without Redis on 127.0.0.1:6379 the portal is served by one worker with in-process counts (production refuses
memory:// with several workers). The client stands behind a trusted proxy that terminates TLS: every request says
`X-Forwarded-Proto: https` and carries this session's own client address, so its throttling counts are its own.
"""

import contextlib
import json
import os
import random
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.blackbox.client import Portal
from tests.browser.live_portal import BIN, ROOT, LivePortal, PortalStartError, _wait_until_serving, run_cli
from tests.served import LOCAL_HOST, free_port, node_worker, stop

REDIS = ("127.0.0.1", 6379)
REDIS_DB = 5


def redis_reachable() -> bool:
    if os.environ.get("BLACKBOX_WITHOUT_REDIS") == "1":  # to try the fallback on a machine that has Redis
        return False
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/blackbox/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.blackbox)


def _env(instance: Path, clock_file: Path, redis: bool, tag: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "UPLOAD_FOLDER")}
    env.update(PORTAL_ENV="production", PORTAL_INSTANCE_PATH=str(instance), PORTAL_CLOCK_FILE=str(clock_file),
               PORTAL_TEST_CLOCK_IN_PRODUCTION="1",
               SECRET_KEY="blackbox-" + os.urandom(16).hex(), AUDIT_KEY="blackbox-audit-" + os.urandom(16).hex(),
               PORTAL_TRUSTED_PROXIES="1", PAGE_CACHE_SECONDS="0", PYTHONUNBUFFERED="1", BLACKBOX_TAG=tag,
               # Counts left in the shared Redis by an earlier run (user ids repeat in a fresh database) stay apart.
               RATELIMIT_KEY_PREFIX=f"portal-blackbox-{tag}",
               RATELIMIT_STORAGE_URI=f"redis://{REDIS[0]}:{REDIS[1]}/{REDIS_DB}" if redis else "memory://")
    return env


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    instance = tmp_path_factory.mktemp("blackbox-instance")
    redis = redis_reachable()
    port = free_port()
    live = LivePortal(base_url=f"http://{LOCAL_HOST}:{port}", instance_path=instance,
                      log_path=instance / "gunicorn.log", clock_file=instance / "clock")
    live.set_clock_offset(0)
    env = _env(instance, live.clock_file, redis, os.urandom(4).hex())
    try:
        run_cli(["db", "upgrade"], env)
        staged = subprocess.run([sys.executable, "-m", "tests.blackbox.stage"], cwd=ROOT, env=env,  # noqa: S603
                                capture_output=True, text=True, timeout=120, check=False)
        if staged.returncode != 0:
            raise PortalStartError(f"staging failed:\n{staged.stdout}\n{staged.stderr}")
        world = json.loads(staged.stdout.strip().splitlines()[-1])
        run_cli(["worker", "--once"], env)  # the search index exists before the first request, as with `make run`
        with contextlib.ExitStack() as running:  # left in reverse: the server stops, then its worker
            running.enter_context(node_worker(env, ROOT, instance / "worker.log"))
            with live.log_path.open("wb") as log:
                proc = subprocess.Popen(  # noqa: S603
                    [str(BIN / "gunicorn"), "--no-control-socket", "-w", "2" if redis else "1",
                     "-b", f"{LOCAL_HOST}:{port}", "--access-logfile", "-",
                     "--access-logformat", "%(m)s %(U)s%(q)s %(s)s", "wsgi:app"],
                    cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            running.callback(stop, proc)
            _wait_until_serving(proc, live)
            # The audit log shows addresses: none may read as the sealed price "88.5" that test_seal.py looks
            # for on every page (10.x.188.5 would, about one run in a hundred).
            octets = [n for n in range(256) if not str(n).endswith("88")]
            address = f"10.{random.choice(octets)}.{random.choice(octets)}.1"
            yield Portal(live, world, env, client_ip=address, workers=2 if redis else 1)
    except PortalStartError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def portal(served):
    return served


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and report.when == "call":
        served_portal = item.funcargs.get("portal")
        if isinstance(served_portal, Portal):
            report.sections.append(("portal log (tail)", served_portal.live.log_tail()))
    return report

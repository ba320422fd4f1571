"""Start the real portal (gunicorn, fresh instance folder, controllable clock) and Debian's Chromium.

Shared by the browser tests (tests/browser/conftest.py) and `make screenshots` (tests/browser/screenshots.py).
Start-up problems raise PortalStartError; the test harness turns them into test failures.
"""

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from tests.served import LOCAL_HOST, free_port, node_worker, stop

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
START_TIMEOUT = 30.0
SHANGHAI = ZoneInfo("Asia/Shanghai")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


class PortalStartError(RuntimeError):
    """The portal could not be prepared or did not start serving."""


def find_chromium() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    org: str


@dataclass
class LivePortal:
    base_url: str
    instance_path: Path
    log_path: Path
    clock_file: Path
    accounts: dict[str, Account] = field(default_factory=dict)
    _offset: float = field(default=0.0)

    @property
    def admin(self) -> Account:
        return self.accounts["admin"]

    @property
    def government(self) -> Account:
        return self.accounts["government"]

    def url(self, path: str) -> str:
        return self.base_url + path

    def set_clock_offset(self, seconds: float) -> None:
        """Make every worker's clock run `seconds` ahead of real time (atomic write)."""
        tmp = self.clock_file.with_suffix(".tmp")
        tmp.write_text(f"{seconds}\n", encoding="ascii")
        os.replace(tmp, self.clock_file)
        self._offset = seconds

    def now(self) -> datetime:
        """The portal's time, in Asia/Shanghai as its pages show it."""
        return datetime.now(SHANGHAI) + timedelta(seconds=self._offset)

    def travel_past_announcement(self, working_days: int = 5) -> None:
        """Move the portal's clock past the end of a 公示 announced just now (working days, official calendar)."""
        from portal.util.workdays import period_end

        start = self.now()
        self.travel((period_end(start, working_days) - start).total_seconds() + 60)

    def travel(self, seconds: float) -> None:
        """Move the portal's clock forward (or back, when negative) by `seconds`."""
        self.set_clock_offset(self._offset + seconds)

    def log_tail(self, limit: int = 8000) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            return f"(no log: {error})"
        return text[-limit:]


def is_local(url: str) -> bool:
    """True for the portal's own URLs and for in-page data: the only resources a page may load."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname == LOCAL_HOST


def _portal_env(instance: Path, clock_file: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "UPLOAD_FOLDER", "PORTAL_ENV")}
    env.update(PORTAL_INSTANCE_PATH=str(instance), SECRET_KEY="browser-tests-" + os.urandom(8).hex(),
               PORTAL_CLOCK_FILE=str(clock_file), PYTHONUNBUFFERED="1")
    return env


def run_cli(args: list[str], env: dict) -> None:
    result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,  # noqa: S603
                            capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        raise PortalStartError(f"`flask {' '.join(args[:2])}` failed ({result.returncode}):\n"
                               f"{result.stdout}\n{result.stderr}")


def _wait_until_serving(proc: subprocess.Popen, portal: LivePortal) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            raise PortalStartError(f"gunicorn exited with {proc.returncode} before serving:\n{portal.log_tail()}")
        try:
            with urllib.request.urlopen(portal.url("/"), timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise PortalStartError(f"portal did not answer within {START_TIMEOUT:.0f} s:\n{portal.log_tail()}")
        time.sleep(0.1)


@contextmanager
def serve(instance: Path, accounts: dict[str, Account] | None = None, demo: bool = False) -> Iterator[LivePortal]:
    """Migrate a fresh database in `instance`, create `accounts` (role → account) or the demo data, and serve it
    with the node's worker beside it."""
    port = free_port()
    portal = LivePortal(base_url=f"http://{LOCAL_HOST}:{port}", instance_path=instance,
                        log_path=instance / "gunicorn.log", clock_file=instance / "clock",
                        accounts=dict(accounts or {}))
    portal.set_clock_offset(0)
    env = _portal_env(instance, portal.clock_file)
    run_cli(["db", "upgrade"], env)
    for role, account in portal.accounts.items():
        run_cli(["create-user", "--email", account.email, "--password", account.password,
                 "--role", role, "--org", account.org], env)
    if demo:
        run_cli(["seed-demo"], env)

    run_cli(["worker", "--once"], env)  # the search index exists before the first request, as with `make run`
    with node_worker(env, ROOT, instance / "worker.log"):
        with portal.log_path.open("wb") as log:
            proc = subprocess.Popen(  # noqa: S603
                [str(BIN / "gunicorn"), "--no-control-socket", "-w", "2", "-b", f"{LOCAL_HOST}:{port}",
                 "--access-logfile", "-", "--access-logformat", "%(m)s %(U)s%(q)s %(s)s", "wsgi:app"],
                cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_serving(proc, portal)
            yield portal
        finally:
            stop(proc)
            if proc.returncode not in (0, -15):
                print(f"gunicorn exited with {proc.returncode}:\n{portal.log_tail()}", file=sys.stderr)


@contextmanager
def chromium(executable_path: str):
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable_path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


class NetworkLog:
    """Every URL a browser context requested and every JavaScript error of its pages."""

    def __init__(self, context):
        self.requested: list[str] = []
        self.page_errors: list[str] = []
        context.on("request", lambda req: self.requested.append(req.url))
        context.on("page", self.watch)

    def watch(self, page) -> None:
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def foreign(self) -> list[str]:
        return sorted({url for url in self.requested if not is_local(url)})

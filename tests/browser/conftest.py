"""Browser harness: the real portal served by gunicorn, driven through Debian's Chromium.

Without Chromium the folder is skipped, unless PORTAL_REQUIRE_BROWSER=1 (as in CI), which makes
the missing browser a failure instead.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LOCAL_HOST = "127.0.0.1"
START_TIMEOUT = 30.0
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
_report_key = pytest.StashKey[dict]()


def _find_chromium() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _unavailable(reason: str):
    if os.environ.get("PORTAL_REQUIRE_BROWSER") == "1":
        pytest.fail(f"PORTAL_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = _find_chromium()
    if path is None:
        _unavailable("Chromium not found (/usr/bin/chromium or `chromium` on PATH); "
                     "install Debian's chromium package to run the browser tests")
    return path


@pytest.fixture(autouse=True)
def _require_browser(chromium_path):
    """Every test in this folder needs Chromium: skip (or fail) before starting anything else."""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_report_key, {})[report.when] = report
    if report.failed and report.when == "call":
        portal = item.funcargs.get("live_portal")
        if isinstance(portal, LivePortal):
            report.sections.append(("portal log (tail)", portal.log_tail()))
    return report


def _failed(request) -> bool:
    reports = request.node.stash.get(_report_key, {})
    return any(r.failed for r in reports.values())


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    org: str


@dataclass
class LivePortal:
    base_url: str
    instance_path: Path
    admin: Account
    government: Account
    log_path: Path
    clock_file: Path
    _offset: float = field(default=0.0)

    def url(self, path: str) -> str:
        return self.base_url + path

    def set_clock_offset(self, seconds: float) -> None:
        """Make every worker's clock run `seconds` ahead of real time (atomic write)."""
        tmp = self.clock_file.with_suffix(".tmp")
        tmp.write_text(f"{seconds}\n", encoding="ascii")
        os.replace(tmp, self.clock_file)
        self._offset = seconds

    def travel(self, seconds: float) -> None:
        """Move the portal's clock forward (or back, when negative) by `seconds`."""
        self.set_clock_offset(self._offset + seconds)

    def log_tail(self, limit: int = 8000) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            return f"(no log: {error})"
        return text[-limit:]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCAL_HOST, 0))
        return sock.getsockname()[1]


def _run_cli(args: list[str], env: dict) -> None:
    result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,  # noqa: S603
                            capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        pytest.fail(f"`flask {' '.join(args[:2])}` failed ({result.returncode}):\n"
                    f"{result.stdout}\n{result.stderr}", pytrace=False)


def _wait_until_serving(proc: subprocess.Popen, portal: LivePortal) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited with {proc.returncode} before serving:\n{portal.log_tail()}",
                        pytrace=False)
        try:
            with urllib.request.urlopen(portal.url("/"), timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"portal did not answer within {START_TIMEOUT:.0f} s:\n{portal.log_tail()}",
                        pytrace=False)
        time.sleep(0.1)


@pytest.fixture(scope="session")
def live_portal(tmp_path_factory, chromium_path):
    """The portal in its own gunicorn process, with a fresh SQLite database and two staff accounts."""
    instance = tmp_path_factory.mktemp("portal-instance")
    port = _free_port()
    portal = LivePortal(
        base_url=f"http://{LOCAL_HOST}:{port}",
        instance_path=instance,
        admin=Account("ops@portal.example.cn", "Admin-Pass-2025", "幸会·杭州 平台运营"),
        government=Account("jxj@hangzhou.example.cn", "Dept-Pass-2025", "杭州市经济和信息化局"),
        log_path=instance / "gunicorn.log",
        clock_file=instance / "clock",
    )
    portal.set_clock_offset(0)

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "UPLOAD_FOLDER", "PORTAL_ENV")}
    env.update(PORTAL_INSTANCE_PATH=str(instance), SECRET_KEY="browser-tests-" + os.urandom(8).hex(),
               PORTAL_CLOCK_FILE=str(portal.clock_file), PYTHONUNBUFFERED="1")
    _run_cli(["db", "upgrade"], env)
    for role, account in (("admin", portal.admin), ("government", portal.government)):
        _run_cli(["create-user", "--email", account.email, "--password", account.password,
                  "--role", role, "--org", account.org], env)

    with portal.log_path.open("wb") as log:
        proc = subprocess.Popen(  # noqa: S603
            [str(BIN / "gunicorn"), "--no-control-socket", "-w", "2", "-b", f"{LOCAL_HOST}:{port}",
             "--access-logfile", "-", "--access-logformat", "%(m)s %(U)s%(q)s %(s)s", "wsgi:app"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_serving(proc, portal)
        yield portal
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.returncode not in (0, -15):
            print(f"gunicorn exited with {proc.returncode}:\n{portal.log_tail()}", file=sys.stderr)


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname == LOCAL_HOST


@pytest.fixture
def page(browser, live_portal, request, tmp_path):
    """A fresh zh-CN browser context; the test fails if the page fetches anything not from the portal."""
    context = browser.new_context(locale="zh-CN", base_url=live_portal.base_url)
    context.set_default_timeout(10_000)
    requested: list[str] = []
    page_errors: list[str] = []
    context.on("request", lambda req: requested.append(req.url))
    tab = context.new_page()
    tab.on("pageerror", lambda error: page_errors.append(str(error)))
    try:
        yield tab
        if _failed(request):
            shot = tmp_path / "failure.png"
            tab.screenshot(path=str(shot), full_page=True)
            print(f"failure screenshot: {shot} (page {tab.url})")
    finally:
        context.close()
    foreign = sorted({url for url in requested if not _is_local(url)})
    if foreign:
        pytest.fail("the page loaded resources from outside the portal:\n  " + "\n  ".join(foreign),
                    pytrace=False)
    if page_errors:
        pytest.fail("JavaScript errors on the page:\n  " + "\n  ".join(page_errors), pytrace=False)

"""Browser harness: the real portal served by gunicorn, driven through Debian's Chromium.

Without Chromium the folder is skipped, unless PORTAL_REQUIRE_BROWSER=1 (as in CI), which makes
the missing browser a failure instead.
"""

import os

import pytest

from tests.browser.accessibility import blocking_violations
from tests.browser.live_portal import Account, LivePortal, NetworkLog, PortalStartError, chromium, find_chromium, serve
from tests.browser.people import AUTHENTICATOR, MAILBOX, accept_confirmations

_report_key = pytest.StashKey[dict]()
_skipped_key = pytest.StashKey[str]()


def _unavailable(config, reason: str):
    if os.environ.get("PORTAL_REQUIRE_BROWSER") == "1":
        pytest.fail(f"PORTAL_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    config.stash[_skipped_key] = reason
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path(pytestconfig) -> str:
    path = find_chromium()
    if path is None:
        _unavailable(pytestconfig, "Chromium not found (/usr/bin/chromium or `chromium` on PATH); "
                     "install Debian's chromium package to run the browser tests")
    return path


def pytest_terminal_summary(terminalreporter, config):
    """Say plainly, whatever the -r options, that the browser tests did not run and why."""
    reason = config.stash.get(_skipped_key, None)
    if reason:
        terminalreporter.write_sep("-", "browser tests skipped", yellow=True)
        terminalreporter.write_line(reason)


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


@pytest.fixture(scope="module")
def live_portal(tmp_path_factory, chromium_path):
    """The portal in its own gunicorn process, with a fresh SQLite database and two staff accounts."""
    accounts = {
        "admin": Account("ops@portal.example.cn", "Admin-Pass-2025", "幸会·杭州 平台运营"),
        "government": Account("jxj@hangzhou.example.cn", "Dept-Pass-2025", "杭州市经济和信息化局"),
    }
    try:
        with serve(tmp_path_factory.mktemp("portal-instance"), accounts) as portal:
            # The people's phones read codes at the portal's time; their e-mail is the portal's outbox folder,
            # written by the worker beside it (MAILBOX waits for a message).
            AUTHENTICATOR.forget(portal.now)
            MAILBOX.folder = portal.instance_path / "outbox"
            yield portal
    except PortalStartError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def browser(chromium_path):
    with chromium(chromium_path) as browser:
        yield browser


@pytest.fixture
def new_page(browser, live_portal, request, tmp_path):
    """Open zh-CN tabs, each in its own context (a person of its own); the test fails if any of them
    fetched anything not from the portal or raised a JavaScript error."""
    contexts = []

    def open_page(locale: str = "zh-CN", **options):
        context = browser.new_context(locale=locale, base_url=live_portal.base_url, **options)
        context.set_default_timeout(10_000)
        log = NetworkLog(context)
        contexts.append((context, log))
        return context.new_page()

    yield open_page

    if _failed(request):
        for number, (context, _log) in enumerate(contexts):
            for tab in context.pages:
                shot = tmp_path / f"failure-{number}.png"
                tab.screenshot(path=str(shot), full_page=True)
                print(f"failure screenshot: {shot} (page {tab.url})")
    for context, _log in contexts:
        context.close()
    foreign = sorted({url for _context, log in contexts for url in log.foreign()})
    if foreign:
        pytest.fail("the page loaded resources from outside the portal:\n  " + "\n  ".join(foreign),
                    pytrace=False)
    errors = [error for _context, log in contexts for error in log.page_errors]
    if errors:
        pytest.fail("JavaScript errors on the page:\n  " + "\n  ".join(errors), pytrace=False)


@pytest.fixture
def page(new_page):
    """A fresh zh-CN browser tab; the test fails if it fetches anything not from the portal."""
    return new_page()


@pytest.fixture
def axe_audit(request):
    """Check a page with axe-core where the test stands; at the end the test fails on any serious or
    critical violation found, all of them listed."""
    found: list[str] = []

    def audit(page) -> None:
        found.extend(blocking_violations(page))

    yield audit
    if found and not _failed(request):
        pytest.fail("accessibility violations (axe-core, serious or critical):\n  " + "\n  ".join(found),
                    pytrace=False)


@pytest.fixture
def people(new_page, axe_audit):
    """Open a browser for each person of a story (confirmations answered with OK); every main page they
    reach is checked with axe-core."""
    def open_as(kind, account=None):
        person = kind(accept_confirmations(new_page()), on_page=axe_audit)
        if account is not None:
            person.email, person.password = account.email, account.password
        return person
    return open_as

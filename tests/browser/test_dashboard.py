"""数据看板 in a real browser: every chart is drawn by the served scripts, within the Content-Security-Policy."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# Record CSP violations from the first script on, so a refused inline style or script cannot go unnoticed.
WATCH_CSP = ("window.__cspViolations = [];"
             "document.addEventListener('securitypolicyviolation',"
             " e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));")
DRAWN = ("() => Array.from(document.querySelectorAll('.dashboard-chart canvas'))"
         ".filter(c => window.Chart && Chart.getChart(c) && c.width > 0 && c.height > 0).length")


def watch(page: Page) -> list[str]:
    page.context.add_init_script(WATCH_CSP)
    errors: list[str] = []

    def on_console(message):
        # Chromium asks every new page for /favicon.ico; the portal has none.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(message.text)

    page.on("console", on_console)
    return errors


def assert_charts_drawn(page: Page, console_errors: list[str]) -> None:
    holders = page.locator(".dashboard-chart")
    count = holders.count()
    assert count > 0
    expect(page.locator(".dashboard-chart canvas")).to_have_count(count)
    assert page.evaluate(DRAWN) == count
    # Each chart is announced as an image whose numbers are in the table beside it.
    for index in range(count):
        assert "数据表" in holders.nth(index).locator("canvas").get_attribute("aria-label")
    assert page.evaluate("window.__cspViolations") == []
    assert console_errors == []


def test_public_and_department_dashboards_draw_their_charts(page: Page, live_portal):
    console_errors = watch(page)
    page.goto("/")
    page.get_by_role("link", name="数据看板", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="数据看板")).to_be_visible()
    expect(page.get_by_role("table", name="按七端领域的场景数：数据表")).to_be_visible()
    assert_charts_drawn(page, console_errors)

    account = live_portal.government
    page.get_by_role("link", name="登录", exact=True).click()
    page.get_by_label("邮箱").fill(account.email)
    page.get_by_label("密码").fill(account.password)
    page.get_by_role("button", name="登录").click()
    page.goto("/manage/")
    page.get_by_role("link", name="本单位数据看板").click()
    expect(page.get_by_role("heading", level=1, name="本单位数据看板")).to_be_visible()
    assert_charts_drawn(page, console_errors)

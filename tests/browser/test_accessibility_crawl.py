"""Every public page of a portal served with the demo data, reached by following links from the home page, has
no serious or critical accessibility violation (axe-core, WCAG 2.1 A/AA and best practices)."""

import re
from urllib.parse import urljoin, urlsplit

import pytest

from tests.browser.accessibility import blocking_violations
from tests.browser.live_portal import PortalStartError, serve

pytestmark = pytest.mark.browser

# Files, feeds and actions rather than pages; the language switch is crawled by visiting in both languages.
NOT_PAGES = re.compile(r"^/(static|bootstrap)/|\.(xml|ics|csv|xlsx|json|pdf|png|svg)$|^/(logout|lang)/?|^/api/"
                       r"|/attachments?/|/download")
MAX_PAGES = 400


@pytest.fixture(scope="module")
def demo_portal(tmp_path_factory, chromium_path):
    try:
        with serve(tmp_path_factory.mktemp("demo-portal"), demo=True) as portal:
            yield portal
    except PortalStartError as error:
        pytest.fail(str(error), pytrace=False)


def shape(path: str) -> str:
    """/scenarios/12?page=2&sector=x → /scenarios/#?page&sector: addresses drawn by one template alike."""
    parts = urlsplit(path)
    keys = sorted(k.split("=")[0] for k in parts.query.split("&") if k)
    return re.sub(r"\d+", "#", parts.path) + ("?" + "&".join(keys) if keys else "")


def crawl_and_audit(page, base_url: str, *, per_list: int, per_object: int) -> tuple[list[str], list[str]]:
    """Visit every page reached by links from the home page and audit each; return the pages and the violations.

    A list with filters and pages has many addresses drawn by one template: `per_list` of each stand for the
    rest. Object pages (/scenarios/12, /products/3) differ by their data (a 公示, a cancelled call), so up to
    `per_object` of each kind are visited (every one in the demo data when it is large enough).
    """
    found, problems, queue, counts = [], [], ["/"], {}
    seen = set(queue)
    while queue and len(found) < MAX_PAGES:
        path = queue.pop(0)
        response = page.goto(base_url + path)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        found.append(path)
        problems.extend(blocking_violations(page))
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urlsplit(urljoin(base_url + path, href))
            if f"{target.scheme}://{target.netloc}" != base_url or NOT_PAGES.search(target.path):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if link in seen:
                continue
            seen.add(link)
            kind = shape(link)
            counts[kind] = counts.get(kind, 0) + 1
            if counts[kind] <= (per_list if "?" in kind or "#" not in kind else per_object):
                queue.append(link)
    return found, problems


@pytest.mark.parametrize(("locale", "per_list", "per_object"), [("zh-CN", 3, 100), ("en", 1, 3)])
def test_every_public_page_has_no_serious_accessibility_violation(browser, demo_portal, locale, per_list,
                                                                  per_object):
    context = browser.new_context(locale=locale, base_url=demo_portal.base_url)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        if locale == "en":
            page.goto(demo_portal.base_url + "/lang/en?next=/")
        paths, problems = crawl_and_audit(page, demo_portal.base_url, per_list=per_list, per_object=per_object)
        # The crawl reached the pages that matter (so a broken link cannot empty the test).
        for expected in ("/scenarios", "/batches", "/results", "/products", "/register", "/login", "/privacy"):
            assert expected in paths, f"{expected} was not reached from the home page"
        assert sum(1 for p in paths if re.fullmatch(r"/scenarios/\d+", p)) >= 3
        assert any(re.fullmatch(r"/scenarios/\d+/announcement", p) for p in paths)
        assert not problems, f"{len(problems)} serious or critical violations on {len(paths)} pages:\n  " + \
            "\n  ".join(problems)
    finally:
        context.close()

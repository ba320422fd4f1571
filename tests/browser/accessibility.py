"""axe-core (bundled with axe-playwright-python, injected into the page: nothing is fetched) over a page."""

from functools import cache

BLOCKING_IMPACTS = ("serious", "critical")
# WCAG 2.1 A and AA plus axe's best practices (landmarks, one main heading, skip link, region).
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@cache
def _axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def blocking_violations(page) -> list[str]:
    """The serious and critical violations on the page as it is now, one readable line per rule."""
    results = _axe().run(page, options={"runOnly": {"type": "tag", "values": RULE_TAGS},
                                        "resultTypes": ["violations"]})
    lines = []
    for violation in results.response["violations"]:
        if violation.get("impact") not in BLOCKING_IMPACTS:
            continue
        targets = ", ".join(" ".join(map(str, node["target"])) for node in violation["nodes"][:5])
        lines.append(f"{page.url} [{violation['impact']}] {violation['id']}: {violation['help']} — {targets}")
    return lines

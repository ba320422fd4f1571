"""axe-core over a page, injected into it (nothing is fetched).

The axe-core that runs is the one vendored in tests/browser/vendor/axe-core (npm axe-core, its axe.min.js and
licence, MPL-2.0), newer than the copy bundled with axe-playwright-python, whose runner is used. To move to a new
release: `npm pack axe-core@<version>`, copy package/axe.min.js and package/LICENSE here, update AXE_VERSION.
"""

from functools import cache
from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"

BLOCKING_IMPACTS = ("serious", "critical")
# WCAG 2.1 A and AA plus axe's best practices (landmarks, one main heading, skip link, region).
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@cache
def _axe():
    from axe_playwright_python.sync_playwright import Axe

    script = AXE_SCRIPT.read_text(encoding="utf-8")
    assert script.startswith(f"/*! axe v{AXE_VERSION}"), f"{AXE_SCRIPT} is not axe-core {AXE_VERSION}"
    return Axe(axe_script=script)


# Resolves once the page has settled: web fonts loaded and every finite animation or CSS transition (a fading
# alert, a collapsing menu) finished, then two frames painted. Colours read in mid-fade would be neither the
# page's colours nor stable from one run to the next.
_SETTLED = """async () => {
    await document.fonts.ready;
    const finite = document.getAnimations().filter(a => a.effect?.getTiming().iterations !== Infinity);
    await Promise.all(finite.map(a => a.finished.catch(() => null)));
    await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
}"""


def settle(page) -> None:
    """Wait until nothing on the page is loading, fading or moving."""
    page.wait_for_load_state("networkidle")
    page.evaluate(_SETTLED)


def blocking_violations(page) -> list[str]:
    """The serious and critical violations on the page once it has settled, one readable line per rule."""
    settle(page)
    results = _axe().run(page, options={"runOnly": {"type": "tag", "values": RULE_TAGS},
                                        "resultTypes": ["violations"]})
    lines = []
    for violation in results.response["violations"]:
        if violation.get("impact") not in BLOCKING_IMPACTS:
            continue
        targets = ", ".join(" ".join(map(str, node["target"])) for node in violation["nodes"][:5])
        lines.append(f"{page.url} [{violation['impact']}] {violation['id']}: {violation['help']} — {targets}")
    return lines

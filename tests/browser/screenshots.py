"""PNGs of the main pages, taken in Chromium from a portal served with the demo data.

    python -m tests.browser.screenshots docs/screenshots        (what `make screenshots` runs)

The portal runs from a throw-away instance folder; the people below act in it as in the browser tests
(a reviewer declares no conflict so that the scoring form shows), so nothing of a real instance changes.
"""

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.live_portal import NetworkLog, PortalStartError, chromium, find_chromium, serve
from tests.browser.people import Department, Enterprise, Person, Reviewer, accept_confirmations

DEMO_PASSWORD = "Demo#2025hz"  # noqa: S105 -- the published password of every demo account
ENTERPRISE = "enterprise1@demo.hz.cn"
REVIEWER = "reviewer1@demo.hz.cn"
# The demo's reviews belong to the 滨江区 department; its scenario still under review shows the ranking.
REVIEWING_DEPARTMENT = "binjiang@demo.hz.cn"
OPEN_SCENARIO = "独居老人居家安全视觉守护"
UNDER_REVIEW = "研发楼宇能耗与外墙渗漏无人机红外巡检"
ANNOUNCED = "物联网小镇园区安防视频智能巡检"
SEARCH_WORDS = "红外"
PRODUCT = "非制冷红外热像仪"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 780}


class Camera:
    def __init__(self, out: Path):
        self.out = out
        self.taken: list[Path] = []

    def shoot(self, person: Person, name: str) -> None:
        person.page.wait_for_load_state("networkidle")
        path = self.out / f"{name}.png"
        person.page.screenshot(path=str(path), animations="disabled")
        self.taken.append(path)
        print(f"{path}  ({person.page.url})")


def public_pages(visitor: Person, camera: Camera) -> None:
    visitor.go_home()
    camera.shoot(visitor, "01-home")
    visitor.nav("应用场景")
    camera.shoot(visitor, "02-scenarios")
    visitor.page.locator(".scenario-card").get_by_role("link").first.click()
    camera.shoot(visitor, "03-scenario")
    visitor.search(SEARCH_WORDS)
    expect(visitor.page.get_by_role("link", name=PRODUCT).first).to_be_visible()
    camera.shoot(visitor, "04-search")
    visitor.page.get_by_role("link", name=PRODUCT).first.click()
    camera.shoot(visitor, "05-product")
    visitor.nav("结果公示")
    camera.shoot(visitor, "09-results")
    visitor.open_announcement(ANNOUNCED)
    camera.shoot(visitor, "10-announcement")


def proposal_form(enterprise: Enterprise, camera: Camera) -> None:
    enterprise.log_in()
    enterprise.open_scenario(OPEN_SCENARIO)
    enterprise.page.get_by_role("link", name="我要揭榜").click()
    enterprise.page.get_by_label("方案名称").fill("独居老人居家安全视觉守护整体方案")
    enterprise.page.get_by_label("方案摘要").fill("以隐私友好的低分辨率视觉传感与边缘算法识别跌倒、久卧和异常离家，"
                                               "事件经社区平台分级推送给家属与网格员。")
    camera.shoot(enterprise, "06-proposal-form")


def ranking(department: Department, camera: Camera) -> None:
    department.log_in()
    department.open_scenario(UNDER_REVIEW)
    batch = department.page.get_by_role("navigation", name="面包屑").get_by_role("link").nth(2).inner_text()
    department.open_managed_scenario(batch, UNDER_REVIEW)
    department.page.get_by_role("link", name="专家评审").click()
    department.page.get_by_role("link", name="评审排名").click()
    camera.shoot(department, "07-ranking")


def scoring(reviewer: Reviewer, camera: Camera) -> None:
    reviewer.log_in()
    reviewer.nav("评审任务")
    reviewer.page.get_by_role("link", name="回避声明").first.click()
    reviewer.page.get_by_label("不存在利害关系").check()
    reviewer.page.get_by_role("button", name="提交声明").click()
    expect(reviewer.page.get_by_role("heading", name="评分")).to_be_visible()
    camera.shoot(reviewer, "08-review-scoring")


def phone_home(visitor: Person, camera: Camera) -> None:
    visitor.go_home()
    camera.shoot(visitor, "11-home-phone")


def take_all(browser, base_url: str, camera: Camera) -> list[str]:
    """Take every picture; return the resources that came from outside the portal (there must be none)."""
    logs = []

    def person(kind, email="", viewport=DESKTOP, **options):
        context = browser.new_context(locale="zh-CN", base_url=base_url, viewport=viewport, **options)
        context.set_default_timeout(15_000)
        logs.append(NetworkLog(context))
        return kind(accept_confirmations(context.new_page()), email, DEMO_PASSWORD)

    public_pages(person(Person), camera)
    proposal_form(person(Enterprise, ENTERPRISE), camera)
    ranking(person(Department, REVIEWING_DEPARTMENT), camera)
    scoring(person(Reviewer, REVIEWER), camera)
    phone_home(person(Person, viewport=PHONE, is_mobile=True, has_touch=True), camera)
    return sorted({url for log in logs for url in log.foreign()})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the PNG files")
    args = parser.parse_args(argv)
    executable = find_chromium()
    if executable is None:
        print("Chromium not found (/usr/bin/chromium or `chromium` on PATH); install Debian's chromium package.",
              file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    camera = Camera(args.out)
    try:
        with tempfile.TemporaryDirectory(prefix="portal-screenshots-") as instance, \
                serve(Path(instance), demo=True) as portal, chromium(executable) as browser:
            foreign = take_all(browser, portal.base_url, camera)
    except PortalStartError as error:
        print(error, file=sys.stderr)
        return 1
    if foreign:
        print("pages loaded resources from outside the portal:\n  " + "\n  ".join(foreign), file=sys.stderr)
        return 1
    print(f"{len(camera.taken)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

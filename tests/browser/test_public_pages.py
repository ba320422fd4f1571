"""Public pages in the browser: accessibility, the language switch, phone-sized screens, and forms that keep
what was typed when they refuse it."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.people import Admin, Person

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
# Reached by their links from the home page, so the test also proves they are linked; each with its heading.
PUBLIC_PAGES = [
    ("机会清单", "机会清单"),
    ("应用场景", "应用场景"),
    ("首台套产品", "首台（套）/首版次产品库"),
    ("结果公示", "揭榜成功名单"),
    ("登录", "登录"),
]


def visit_public_pages(visitor: Person):
    """Yield after arriving at the home page and at each main public page, by its navigation link."""
    visitor.go_home()
    yield "/"
    for link, heading in PUBLIC_PAGES:
        visitor.nav(link)
        # The heading proves the new page has replaced the old one before anything reads it.
        expect(visitor.page.get_by_role("heading", level=1)).to_have_text(heading)
        visitor.page.wait_for_load_state()
        yield link
    visitor.page.get_by_role("link", name="企业注册").first.click()
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text("企业注册")
    yield "企业注册"
    visitor.search("视觉")
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text("搜索")
    yield "搜索"


def test_public_pages_have_no_serious_accessibility_violations(page, axe_audit):
    for _where in visit_public_pages(Person(page)):
        axe_audit(page)


def test_public_pages_fit_a_phone_without_horizontal_scrolling(new_page):
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    too_wide = []
    for where in visit_public_pages(PhonePerson(phone)):
        scroll_width = phone.evaluate("document.documentElement.scrollWidth")
        if scroll_width > PHONE["width"]:
            too_wide.append(f"{where} ({phone.url}): {scroll_width} px")
    assert not too_wide, "pages wider than a 375 px phone screen:\n" + "\n".join(too_wide)


class PhonePerson(Person):
    """On a phone the navigation is folded behind the menu button."""

    def open_menu(self) -> None:
        toggler = self.page.get_by_role("button", name="展开导航")
        if toggler.get_attribute("aria-expanded") != "true":
            toggler.click()
            # Bootstrap marks the menu "show" once it has finished sliding open.
            expect(self.page.locator("#nav-main")).to_have_class(re.compile(r"\bshow\b"))


def test_language_switch_changes_the_interface_and_is_remembered(page):
    visitor = Person(page)
    visitor.go_home()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    visitor.nav("应用场景")

    visitor.nav("English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Scenarios")
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link", name="Log in", exact=True)).to_be_visible()

    nav.get_by_role("link", name="Opportunity lists").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    nav.get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("机会清单")


def test_refused_login_keeps_the_email(page):
    visitor = Person(page, email="nobody@example.cn", password="Wrong-Pass-2025")
    visitor.go_home()
    visitor.nav("登录")
    page.get_by_label("邮箱").fill(visitor.email)
    page.get_by_label("密码").fill(visitor.password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("邮箱")).to_have_value(visitor.email)
    expect(page.get_by_label("密码")).to_have_value("")


def test_refused_account_form_keeps_what_was_typed(page, live_portal, axe_audit):
    admin = Admin(page, live_portal.admin.email, live_portal.admin.password)
    admin.log_in()
    admin.open_admin("账号管理")
    page.get_by_role("link", name="创建部门/专家账号").click()
    page.get_by_label("角色").select_option(label="评审专家")
    page.get_by_label("所属单位").fill("浙江大学光电科学与工程学院")
    page.get_by_label("姓名").fill("刘建国")
    page.get_by_label("邮箱").fill("liu.jianguo@zju")
    page.get_by_label("初始密码").fill("Expert#Liu2025")
    page.get_by_role("button", name="创建账号").click()

    email = page.get_by_label("邮箱")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email-error")).to_be_visible()
    expect(email).to_have_value("liu.jianguo@zju")
    expect(page.get_by_label("角色")).to_have_value("reviewer")
    expect(page.get_by_label("所属单位")).to_have_value("浙江大学光电科学与工程学院")
    expect(page.get_by_label("姓名")).to_have_value("刘建国")
    axe_audit(page)

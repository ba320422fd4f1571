"""The first journey: register, verify, publish, find, subscribe — all through the browser."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from portal.util.uscc import ALPHABET, make_uscc
from tests.browser.people import MAILBOX, second_factor

pytestmark = pytest.mark.browser

COMPANY = "杭州明眸智能视觉科技有限公司"
CONTACT = "陈思远"
PHONE = "0571-86001234"
EMAIL = "chen.siyuan@mingmou-vision.example.cn"
PASSWORD = "Vision#Mingmou2025"
USCC = make_uscc("91330108MA2H3K5Q7")

BATCH_TITLE = "2025年第三批中国视谷重点场景机会清单"
SCENARIO_TITLE = "锂电池极片表面缺陷视觉检测"
KEYWORD = "极片"


def wrong_check_character(code: str) -> str:
    return code[:17] + next(ch for ch in ALPHABET if ch != code[17])


def log_in(page: Page, email: str, password: str) -> None:
    page.get_by_role("link", name="登录", exact=True).click()
    page.get_by_label("邮箱").fill(email)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    second_factor(page, email)


def log_out(page: Page) -> None:
    page.get_by_role("button", name="退出", exact=True).click()
    expect(page.get_by_role("link", name="登录", exact=True)).to_be_visible()


def ical_text(raw: str) -> str:
    # Undo RFC 5545 line folding and text escaping, as a calendar client would.
    unfolded = raw.replace("\r\n ", "").replace("\r\n\t", "")
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), unfolded)


def test_enterprise_registers_department_publishes_public_finds(page: Page, live_portal):
    # 1. An enterprise registers; a wrong check character is explained and nothing typed is lost.
    page.goto("/")
    page.get_by_role("link", name="企业注册").first.click()
    expect(page.get_by_role("heading", name="企业注册")).to_be_visible()
    bad_code = wrong_check_character(USCC)
    page.get_by_label("企业名称").fill(COMPANY)
    page.get_by_label("统一社会信用代码").fill(bad_code)
    page.get_by_label("所在区县市").select_option(label="滨江区")
    page.get_by_label("联系人").fill(CONTACT)
    page.get_by_label("联系电话").fill(PHONE)
    page.get_by_label("邮箱").fill(EMAIL)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_label("我已阅读并同意《个人信息保护说明》").check()
    page.get_by_role("button", name="注册").click()

    message = f"统一社会信用代码校验位错误：第18位应为 {USCC[17]}，填写的是 {bad_code[17]}。"
    code_field = page.get_by_label("统一社会信用代码")
    expect(page.get_by_text(message)).to_be_visible()
    expect(code_field).to_have_attribute("aria-invalid", "true")
    expect(code_field).to_have_accessible_description(re.compile(re.escape(message)))
    expect(code_field).to_have_value(bad_code)
    expect(page.get_by_label("企业名称")).to_have_value(COMPANY)
    expect(page.get_by_label("所在区县市")).to_have_value("滨江区")
    expect(page.get_by_label("联系人")).to_have_value(CONTACT)
    expect(page.get_by_label("联系电话")).to_have_value(PHONE)
    expect(page.get_by_label("邮箱")).to_have_value(EMAIL)
    expect(page.get_by_label("密码", exact=True)).to_have_value("")
    expect(page.get_by_label("确认密码")).to_have_value("")

    code_field.fill(USCC)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_role("heading", name="请查收邮件完成注册")).to_be_visible()
    page.goto(MAILBOX.link(EMAIL, r"/register/confirm/\S+"))
    page.get_by_role("button", name="确认并完成注册").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_role("status").filter(has_text="等待平台管理员审核")).to_be_visible()
    log_out(page)

    # 2. The admin verifies the enterprise.
    log_in(page, live_portal.admin.email, live_portal.admin.password)
    page.get_by_role("link", name="平台管理", exact=True).click()
    page.get_by_role("link", name="企业认证", exact=True).click()
    row = page.get_by_role("row").filter(has_text=COMPANY)
    expect(row).to_contain_text(USCC)
    row.get_by_role("button", name="认证通过").click()
    expect(page.get_by_text(f"已认证：{COMPANY}")).to_be_visible()
    log_out(page)

    # 3. The department creates a batch with one scenario and publishes it.
    log_in(page, live_portal.government.email, live_portal.government.password)
    page.get_by_role("link", name="场景管理", exact=True).click()
    page.get_by_role("link", name="新建清单批次").click()
    page.get_by_label("批次名称").fill(BATCH_TITLE)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name=BATCH_TITLE)).to_be_visible()

    page.get_by_role("link", name="添加场景").click()
    deadline = (live_portal.now() + timedelta(days=5)).replace(hour=17, minute=0, second=0, microsecond=0)
    page.get_by_label("场景名称").fill(SCENARIO_TITLE)
    page.get_by_label("所属领域").select_option(label="工业视觉")
    page.get_by_label("所在区县市").select_option(label="余杭区")
    page.get_by_label("场景描述").fill("某动力电池企业极片涂布产线需在线识别漏涂、划痕、颗粒等缺陷。")
    page.get_by_label("技术要求").fill("检出率不低于99.5%，误报率低于0.5%，单片检测时间小于50毫秒。")
    page.get_by_label("预算").fill("300")
    page.get_by_label("揭榜截止时间").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("联系人").fill("王主任")
    page.get_by_label("联系电话").fill("0571-87000000")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("场景草稿已保存。")).to_be_visible()

    page.get_by_role("navigation", name="面包屑").get_by_role("link", name=BATCH_TITLE).click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="发布批次及已完善的场景").click()
    expect(page.get_by_text("已发布 1 个场景。")).to_be_visible()
    log_out(page)

    # 4. An anonymous visitor finds the scenario, and the feeds announce it.
    page.get_by_role("link", name="应用场景", exact=True).click()
    page.get_by_label("领域").select_option(label="工业视觉")
    page.get_by_label("关键词").fill(KEYWORD)
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"sector=industrial_vision"))
    expect(page.get_by_text("共 1 个场景")).to_be_visible()
    page.get_by_role("link", name=SCENARIO_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SCENARIO_TITLE)
    expect(page.locator("time")).to_have_text(deadline.strftime("%Y-%m-%d %H:%M"))

    page.goto("/")
    atom_link = page.locator('head link[rel="alternate"][type="application/atom+xml"]')
    ical_link = page.locator('head link[rel="alternate"][type="text/calendar"]')
    expect(atom_link).to_have_count(1)
    expect(ical_link).to_have_count(1)
    atom_href = atom_link.get_attribute("href")
    ical_href = ical_link.get_attribute("href")
    assert atom_href.endswith("/feeds/scenarios.atom")
    assert ical_href.endswith("/feeds/deadlines.ics")

    atom = page.request.get(atom_href)
    assert atom.ok
    assert atom.headers["content-type"].startswith("application/atom+xml")
    assert SCENARIO_TITLE in atom.text()
    ical = page.request.get(ical_href)
    assert ical.ok
    assert ical.headers["content-type"].startswith("text/calendar")
    assert SCENARIO_TITLE in ical_text(ical.text())

    # 5. The enterprise sees that it is verified.
    log_in(page, EMAIL, PASSWORD)
    page.get_by_role("link", name=CONTACT).click()
    expect(page.get_by_role("status").filter(has_text="已通过认证")).to_be_visible()

"""The people of the portal as page objects: each acts only through what a browser user sees.

Every method types into labelled fields and clicks buttons or links by their accessible names; none
reaches into the database. What a person has besides the browser is here too: the authenticator app on
their phone (AUTHENTICATOR) and their mailbox (MAILBOX, the portal's outbox folder).
"""

import email
import email.policy
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyotp
from playwright.sync_api import Page, expect

TOTP_STEP = 30


@dataclass
class Authenticator:
    """Everyone's phone app: the secrets added at enrolment, codes read at the portal's time (`now`)."""

    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    secrets: dict[str, str] = field(default_factory=dict)
    last_step: dict[str, int] = field(default_factory=dict)

    def code(self, account: str) -> str:
        # The portal takes each code once and only a later one after it, one step ahead at most: signing in
        # twice within 30 seconds uses the next step's code, or waits for it.
        # Waiting is bounded: a step more than one ahead of the portal's clock can never be taken.
        for _second in range(2 * TOTP_STEP + 5):
            current = int(self.now().timestamp()) // TOTP_STEP
            step = max(current, self.last_step.get(account, current - 1) + 1)
            if step <= current + 1:
                self.last_step[account] = step
                return pyotp.TOTP(self.secrets[account]).generate_otp(step)
            time.sleep(1)
        raise AssertionError(f"no code for {account}: its last one was taken at step {self.last_step[account]}, "
                             f"ahead of the portal's clock (step {current})")

    def forget(self, now: Callable[[], datetime]) -> None:
        """A new phone for a new portal: no secrets, no codes taken, read at that portal's time."""
        self.now = now
        self.secrets.clear()
        self.last_step.clear()


@dataclass
class Mailbox:
    """Everyone's e-mail: the .eml files the portal's worker writes to its outbox folder, a moment after the
    request that asked for them."""

    folder: Path | None = None

    def link(self, to: str, path_pattern: str, timeout: float = 10.0) -> str:
        """The path of the newest link matching `path_pattern` in a message to `to`, waiting up to `timeout`
        seconds for the worker to send it."""
        deadline = time.monotonic() + timeout
        while True:
            # The folder appears with the first message sent.
            for eml in sorted(self.folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
                message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
                if message["To"].addresses[0].addr_spec == to:
                    found = re.search(r"https?://[^/\s]+(" + path_pattern + r")", message.get_content())
                    if found:
                        return found.group(1)
            if time.monotonic() > deadline:
                raise AssertionError(f"no e-mail to {to} with a link {path_pattern}")
            time.sleep(0.2)


AUTHENTICATOR = Authenticator()
MAILBOX = Mailbox()


def second_factor(page: Page, account: str, on_page: Callable[[Page], None] | None = None) -> None:
    """After the password: set up the second factor when asked (adding the shown secret to the phone), or
    type the phone's current code; then the person is signed in."""
    signed_in = page.get_by_role("button", name="退出", exact=True)
    enrol = page.get_by_role("heading", name="设置两步验证")
    verify = page.get_by_role("heading", name="两步验证", exact=True)
    expect(signed_in.or_(enrol).or_(verify)).to_be_visible()
    if enrol.is_visible():
        if on_page is not None:
            on_page(page)
        AUTHENTICATOR.secrets[account] = page.locator("#totp-secret").inner_text().strip()
        page.get_by_label("验证码").fill(AUTHENTICATOR.code(account))
        page.get_by_role("button", name="开启两步验证").click()
        expect(page.get_by_role("heading", name="恢复码")).to_be_visible()
        if on_page is not None:
            on_page(page)
        page.get_by_role("link", name="我已保存，继续").click()
    elif verify.is_visible():
        if on_page is not None:
            on_page(page)
        page.get_by_label("验证码").fill(AUTHENTICATOR.code(account))
        page.get_by_role("button", name="验证").click()
    expect(signed_in).to_be_visible()


def accept_confirmations(page: Page) -> Page:
    """Answer "OK" to the portal's confirmation questions (data-confirm), as a person who means it would."""
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def pdf(path: Path) -> Path:
    """A minimal valid PDF at `path`, to attach to a proposal."""
    path.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                     b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    return path


def flash(page: Page, text: str):
    return page.locator(".flash-messages").get_by_text(text)


@dataclass
class Person:
    page: Page
    email: str = ""
    password: str = ""
    # Called on each main page a person reaches (before acting on it): the tests check accessibility there.
    on_page: Callable[[Page], None] | None = None

    def checkpoint(self) -> None:
        if self.on_page is not None:
            self.on_page(self.page)

    def go_home(self) -> None:
        self.page.goto("/")

    def open_menu(self) -> None:
        """The header's links are shown as they are on a wide screen."""

    def nav(self, name: str) -> None:
        self.open_menu()
        self.page.get_by_role("navigation", name="主导航").get_by_role("link", name=name, exact=True).click()

    def search(self, words: str) -> None:
        self.open_menu()
        box = self.page.get_by_role("search").get_by_role("searchbox", name="搜索产品与场景")
        box.fill(words)
        box.press("Enter")

    def log_in(self) -> None:
        self.go_home()
        self.nav("登录")
        self.page.get_by_label("邮箱").fill(self.email)
        self.page.get_by_label("密码").fill(self.password)
        self.page.get_by_role("button", name="登录").click()
        second_factor(self.page, self.email, self.on_page)

    def log_out(self) -> None:
        self.page.get_by_role("button", name="退出", exact=True).click()
        expect(self.page.get_by_role("link", name="登录", exact=True)).to_be_visible()

    def expect_flash(self, text: str) -> None:
        expect(flash(self.page, text)).to_be_visible()

    def open_scenario(self, title: str) -> None:
        """Find a scenario from the public list by its title, as any visitor would."""
        self.nav("应用场景")
        self.page.get_by_label("关键词").fill(title)
        self.page.get_by_role("button", name="筛选").click()
        self.page.get_by_role("link", name=title).first.click()
        expect(self.page.get_by_role("heading", level=1)).to_have_text(title)

    def open_announcement(self, scenario: str) -> None:
        """Open a scenario's 公示 from the notice on its public page."""
        self.open_scenario(scenario)
        self.page.get_by_role("status").get_by_role("link", name="查看公示").click()


@dataclass(frozen=True)
class Company:
    name: str
    uscc: str
    district: str
    contact: str
    phone: str
    email: str
    password: str


class Enterprise(Person):
    def register(self, company: Company) -> None:
        self.email, self.password = company.email, company.password
        self.go_home()
        self.page.get_by_role("link", name="企业注册").first.click()
        self.page.get_by_label("企业名称").fill(company.name)
        self.page.get_by_label("统一社会信用代码").fill(company.uscc)
        self.page.get_by_label("所在区县市").select_option(label=company.district)
        self.page.get_by_label("联系人").fill(company.contact)
        self.page.get_by_label("联系电话").fill(company.phone)
        self.page.get_by_label("邮箱").fill(company.email)
        self.page.get_by_label("密码", exact=True).fill(company.password)
        self.page.get_by_label("确认密码").fill(company.password)
        self.page.get_by_label("我已阅读并同意《个人信息保护说明》").check()
        self.page.get_by_role("button", name="注册").click()
        expect(self.page.get_by_role("heading", name="请查收邮件完成注册")).to_be_visible()
        self.page.goto(MAILBOX.link(company.email, r"/register/confirm/\S+"))
        self.page.get_by_role("button", name="确认并完成注册").click()
        expect(self.page.get_by_role("status").filter(has_text="等待平台管理员审核")).to_be_visible()

    def submit_proposal(self, scenario: str, proposal: "ProposalText", attachment: Path) -> str:
        """Take the list with a proposal and one attachment; return the receipt number."""
        self.open_scenario(scenario)
        self.page.get_by_role("link", name="我要揭榜").click()
        self.page.get_by_label("方案名称").fill(proposal.title)
        self.page.get_by_label("方案摘要").fill(proposal.summary)
        self.page.get_by_label("技术路线").fill(proposal.approach)
        self.page.get_by_label("实施周期（月）").fill(str(proposal.months))
        self.page.get_by_label("报价（万元）").fill(proposal.price)
        self.page.get_by_label("团队情况").fill(proposal.team)
        self.page.get_by_label("添加附件").set_input_files(attachment)
        self.page.get_by_label("本单位承诺").check()
        self.checkpoint()
        self.page.get_by_role("button", name="提交揭榜方案").click()
        self.expect_flash("揭榜方案已提交，请保存回执。")
        return re.search(r"JB-\d{4}-\d{6}", self.page.content()).group(0)

    def file_objection(self, scenario: str, text: str) -> None:
        self.open_announcement(scenario)
        self.page.get_by_label("异议内容").fill(text)
        self.checkpoint()
        self.page.get_by_role("button", name="提交异议").click()
        self.expect_flash("异议已提交")

    def apply_product(self, product: "ProductText") -> None:
        self.go_home()
        self.nav("我的产品")
        self.page.get_by_role("link", name="申请产品入库").click()
        self.page.get_by_label("产品名称").fill(product.name)
        self.page.get_by_label("型号/版本").fill(product.model)
        self.page.get_by_label("类型").select_option(label=product.kind)
        self.page.get_by_label("所属领域").select_option(label=product.sector)
        self.page.get_by_label("认定级别").select_option(label=product.level)
        self.page.get_by_label("认定年度").fill(str(product.year))
        self.page.get_by_label("主要技术指标").fill(product.specs)
        self.page.get_by_label("产品简介").fill(product.description)
        self.checkpoint()
        self.page.get_by_role("button", name="提交审核").click()
        self.expect_flash("已提交入库申请")


class Admin(Person):
    def open_admin(self, tab: str) -> None:
        self.nav("平台管理")
        self.page.get_by_role("link", name=tab, exact=True).click()

    def verify_enterprise(self, name: str) -> None:
        self.open_admin("企业认证")
        self.checkpoint()
        self.page.get_by_role("row").filter(has_text=name).get_by_role("button", name="认证通过").click()
        self.expect_flash(f"已认证：{name}")

    def create_reviewer(self, name: str, affiliation: str, email: str, password: str, uscc: str = "") -> None:
        self.open_admin("账号管理")
        self.page.get_by_role("link", name="创建部门/专家账号").click()
        self.page.get_by_label("角色").select_option(label="评审专家")
        self.page.get_by_label("所属单位").fill(affiliation)
        if uscc:
            self.page.get_by_label("工作单位统一社会信用代码").fill(uscc)
        self.page.get_by_label("姓名").fill(name)
        self.page.get_by_label("邮箱").fill(email)
        self.page.get_by_label("初始密码").fill(password)
        self.checkpoint()
        self.page.get_by_role("button", name="创建账号").click()
        self.expect_flash(f"账号已创建：{email}")


@dataclass(frozen=True)
class ScenarioText:
    title: str
    sector: str
    district: str
    description: str
    requirements: str
    budget: str
    deadline: datetime


@dataclass(frozen=True)
class ProposalText:
    title: str
    summary: str
    approach: str
    months: int
    price: str
    team: str


@dataclass(frozen=True)
class ProductText:
    name: str
    model: str
    kind: str
    sector: str
    level: str
    year: int
    specs: str
    description: str


class Department(Person):
    def publish_batch_with(self, batch: str, scenario: ScenarioText) -> None:
        self.nav("场景管理")
        self.page.get_by_role("link", name="新建清单批次").click()
        self.page.get_by_label("批次名称").fill(batch)
        self.page.get_by_role("button", name="保存").click()
        expect(self.page.get_by_role("heading", name=batch)).to_be_visible()

        self.page.get_by_role("link", name="添加场景").click()
        self.page.get_by_label("场景名称").fill(scenario.title)
        self.page.get_by_label("所属领域").select_option(label=scenario.sector)
        self.page.get_by_label("所在区县市").select_option(label=scenario.district)
        self.page.get_by_label("场景描述").fill(scenario.description)
        self.page.get_by_label("技术要求").fill(scenario.requirements)
        self.page.get_by_label("预算").fill(scenario.budget)
        self.page.get_by_label("揭榜截止时间").fill(scenario.deadline.strftime("%Y-%m-%dT%H:%M"))
        self.page.get_by_label("联系人").fill("王主任")
        self.page.get_by_label("联系电话").fill("0571-87000000")
        self.checkpoint()
        self.page.get_by_role("button", name="保存草稿").click()
        self.expect_flash("场景草稿已保存。")

        self.page.get_by_role("navigation", name="面包屑").get_by_role("link", name=batch).click()
        self.page.get_by_role("button", name="发布批次及已完善的场景").click()
        self.expect_flash("已发布 1 个场景。")

    def open_managed_scenario(self, batch: str, scenario: str) -> None:
        self.nav("场景管理")
        self.checkpoint()
        self.page.get_by_role("link", name=batch).click()
        self.page.get_by_role("link", name=scenario).first.click()

    def open_review(self, batch: str, scenario: str) -> None:
        """The scenario's review page: set-up, assignment and the progress of every proposal."""
        self.open_managed_scenario(batch, scenario)
        self.page.get_by_role("link", name="专家评审").click()
        self.checkpoint()

    def assign_reviewers(self, batch: str, scenario: str, reviewers: list[str], tasks: int | None = None) -> None:
        """Assign reviewers to both proposals; `tasks` is how many reviews that makes (fewer when 回避 excludes
        some)."""
        self.open_review(batch, scenario)
        assign = self.page.get_by_role("group", name="为全部方案指派")
        for name in reviewers:
            assign.get_by_label(name).check()
        # Experts chosen by hand (not drawn) are 指定, which needs a reason.
        self.page.locator("#reason").fill("熟悉该场景的技术领域")
        self.page.get_by_role("button", name="指派", exact=True).click()
        self.expect_flash(f"已新增 {2 * len(reviewers) if tasks is None else tasks} 项评审任务。")

    def progress_of(self, proposal_text: str):
        """The progress card of the proposal whose card shows this text."""
        return self.page.get_by_role("region", name="评审进度").locator(".card").filter(has_text=proposal_text)

    def assign_replacement(self, reason: str, reviewer: str) -> None:
        """Assign `reviewer` (as the option reads: name（单位）) to the proposal a reviewer recused from."""
        card = self.progress_of(reason)
        card.get_by_label("为该方案指派替补专家").select_option(label=reviewer)
        card.get_by_label("指定理由").fill("替补回避的专家")
        card.get_by_role("button", name="指派替补").click()
        self.expect_flash("已新增 1 项评审任务。")

    def decide(self, batch: str, scenario: str, winner: str, rationale: str) -> None:
        self.open_managed_scenario(batch, scenario)
        self.page.get_by_role("link", name="专家评审").click()
        self.page.get_by_role("link", name="评审排名").click()
        expect(self.page.get_by_role("row").nth(1)).to_contain_text(winner)
        self.checkpoint()
        self.page.get_by_role("link", name="定榜", exact=True).click()
        self.page.get_by_role("checkbox", name=winner, exact=True).check()
        self.page.get_by_label("定榜理由").fill(rationale)
        self.checkpoint()
        self.page.get_by_role("button", name="确认定榜").click()
        # 定榜 cannot be undone: a page shows what will be decided and asks once more.
        expect(self.page.get_by_role("heading", name=re.compile("^确认定榜"))).to_be_visible()
        expect(self.page.get_by_role("alert")).to_contain_text("不能撤回")
        self.checkpoint()
        self.page.get_by_role("button", name="确定定榜").click()
        self.expect_flash("已定榜，下一步请发布公示。")

    def announce(self) -> None:
        """Publish the 公示 from the page the decision led to, with the default window (now, 5 days)."""
        self.page.get_by_role("button", name="发布公示").click()
        expect(self.page.get_by_role("heading", name=re.compile("^确认发布公示"))).to_be_visible()
        self.checkpoint()
        self.page.get_by_role("button", name="确定发布公示").click()
        self.expect_flash("公示已发布。")

    def answer_objection(self, batch: str, scenario: str, answer: str, outcome: str = "不成立",
                         consequence: str | None = None) -> None:
        """Answer the open objection with a finding (成立 / 部分成立 / 不成立) and its reason; an upheld one sends
        the result back (consequence: the label's start, 退回评审 or 重新定榜)."""
        self.open_managed_scenario(batch, scenario)
        self.page.get_by_role("link", name="专家评审").click()
        self.page.get_by_role("link", name="公示与异议").click()
        self.page.get_by_role("link", name="答复", exact=True).click()
        self.page.get_by_role("group", name="处理结果").get_by_label(outcome, exact=True).check()
        if consequence is not None:
            where = self.page.get_by_role("group", name="异议成立或部分成立时")
            where.get_by_label(re.compile("^" + consequence)).check()
        self.page.get_by_label("答复及理由").fill(answer)
        self.checkpoint()
        self.page.get_by_role("button", name="提交答复").click()
        self.expect_flash("答复已发送给提出异议的企业。")

    def approve_product(self, name: str) -> None:
        self.nav("产品审核")
        self.checkpoint()
        self.page.get_by_role("row").filter(has_text=name).get_by_role("button", name="同意入库").click()
        self.expect_flash(f"已入库：{name}")


class Reviewer(Person):
    def open_first_task(self) -> None:
        """Declare no conflict on the first task waiting for a declaration, which opens the proposal."""
        self.nav("评审任务")
        self.checkpoint()
        self.page.get_by_role("link", name="回避声明").first.click()
        self.checkpoint()
        self.page.get_by_label("不存在利害关系").check()
        self.page.get_by_role("button", name="提交声明").click()
        expect(self.page.get_by_text("盲评：揭榜单位信息已隐藏。")).to_be_visible()

    def pending_tasks(self) -> int:
        self.nav("评审任务")
        return self.page.get_by_role("link", name="回避声明").count()

    def recuse(self, reason: str) -> None:
        """Withdraw from the proposal open on the page (after having declared no conflict), with a reason."""
        self.page.get_by_role("link", name="申请回避").click()
        self.page.get_by_label("回避原因").fill(reason)
        self.checkpoint()
        self.page.get_by_role("button", name="申请回避").click()
        self.expect_flash("已声明回避，该方案已从您的评审任务中移除。")

    def score_all(self, scores_by_title: dict[str, tuple[str, str, str, str]], tasks: int | None = None) -> None:
        """Declare no conflict and submit scores for every task (`tasks` of them, by default one per title);
        the review is blind, so the scores are chosen by the proposal's title."""
        for _task in range(len(scores_by_title) if tasks is None else tasks):
            self.open_first_task()
            title = next(t for t in scores_by_title if self.page.get_by_text(t, exact=True).count())
            for criterion, score in zip(("技术先进性", "方案可行性", "团队实力", "经济合理性"),
                                        scores_by_title[title], strict=True):
                self.page.get_by_label(f"{criterion} 得分").fill(score)
            self.page.get_by_label("总体意见").fill("方案完整，指标可验证。")
            self.checkpoint()
            self.page.get_by_role("button", name="提交评分").click()
            self.expect_flash("评分已提交。")


def signed_in_staff(people, live_portal) -> tuple["Admin", "Department"]:
    """The portal's admin and the demo department of a story, each in a browser of its own and signed in."""
    admin = people(Admin, live_portal.admin)
    department = people(Department, live_portal.government)
    admin.log_in()
    department.log_in()
    return admin, department


def register_and_verify(people, admin: "Admin", companies) -> list["Enterprise"]:
    """Each company registers in a browser of its own, then the admin verifies them all."""
    firms = []
    for company in companies:
        firm = people(Enterprise)
        firm.register(company)
        firms.append(firm)
    for company in companies:
        admin.verify_enterprise(company.name)
    return firms

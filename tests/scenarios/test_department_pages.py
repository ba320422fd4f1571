"""A department's own pages, used through HTTP: batches, scenario drafts, preview, publish and cancel."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.scenarios.models import Batch, BatchState, Scenario, ScenarioState
from portal.util import clock
from tests.factories import form_values

# The clock stands at 2026-03-02 10:00 in Hangzhou, so the deadlines typed below lie ahead.
pytestmark = pytest.mark.usefixtures("frozen_now")

# What a department types into the scenario form (the deadline in Hangzhou wall time).
SCENARIO_FORM = {
    "title": "城市道路病害智能巡检", "sector": "industrial_vision", "district": "西湖区",
    "description": "道路巡检依靠人工。\n\n希望引入车载视觉。", "requirements": "识别准确率不低于95%",
    "budget": "120.5", "deadline": "2026-04-01T17:30", "contact_name": "王工",
    "contact_phone": "0571-87654321", "contact_email": "wang@jxj.gov.cn",
}
# Every typed scenario field, to be found again in the form after a refusal.
SCENARIO_FIELDS = list(SCENARIO_FORM)


@pytest.fixture
def department(create_user, login_as):
    return login_as(create_user(Role.GOVERNMENT))


@pytest.fixture
def batch(create_batch, department):
    return create_batch(department, title="2026年第一批场景机会清单")


def follow(client, response):
    assert response.status_code == 302, response.status_code
    return client.get(response.location)


def test_creating_a_batch(client, db, department):
    response = client.post("/manage/batches/new", data={"title": "2026年第三批人工智能场景机会清单",
                                                          "summary": "本批次聚焦城市治理。"})

    batch = db.session.scalar(select(Batch))
    assert response.location == f"/manage/batches/{batch.id}"
    assert "批次已创建，现在可以添加场景。" in follow(client, response).text
    assert batch.title == "2026年第三批人工智能场景机会清单" and batch.state == BatchState.DRAFT
    assert batch.department_id == department.organization_id
    assert batch.summary_html == "<p>本批次聚焦城市治理。</p>"


@pytest.mark.parametrize("title", ["", "   "], ids=["empty", "blank"])
def test_a_batch_without_a_title_is_refused_and_the_summary_kept(client, db, department, title):
    response = client.post("/manage/batches/new", data={"title": title, "summary": "第一段\n\n第二段"})

    assert response.status_code == 200
    assert "请填写批次名称。" in response.text
    assert form_values(response.text)["summary"] == "第一段\n\n第二段"
    assert db.session.scalar(select(Batch)) is None


def test_adding_a_scenario_saves_a_draft_and_shows_its_preview(client, db, batch):
    response = client.post(f"/manage/batches/{batch.id}/scenarios/new", data=SCENARIO_FORM)

    scenario = db.session.scalar(select(Scenario))
    assert response.location == f"/manage/scenarios/{scenario.id}/preview"
    preview = follow(client, response).text
    assert "场景草稿已保存。" in preview and "预览：这是公众将看到的页面。" in preview
    assert scenario.state == ScenarioState.DRAFT and scenario.batch_id == batch.id
    assert scenario.title == "城市道路病害智能巡检" and scenario.sector == "industrial_vision"
    assert scenario.budget == Decimal("120.50")
    assert scenario.deadline == datetime(2026, 4, 1, 9, 30, tzinfo=UTC)  # 17:30 in Hangzhou
    assert scenario.description_html == "<p>道路巡检依靠人工。</p><p>希望引入车载视觉。</p>"
    assert scenario.contact_email == "wang@jxj.gov.cn"


def test_the_new_scenario_form_starts_with_the_departments_contact(client, department, batch):
    shown = form_values(client.get(f"/manage/batches/{batch.id}/scenarios/new").text)

    assert shown["contact_name"] == department.name and shown["contact_email"] == department.email


@pytest.mark.parametrize(("changes", "message"), [
    ({"budget": "-5"}, "预算应在 0 到 1,000,000 万元之间。"),
    ({"budget": "2000000"}, "预算应在 0 到 1,000,000 万元之间。"),
    ({"budget": "一百万"}, "预算应"),
    ({"deadline": "2026-03-01T09:00"}, "截止时间必须晚于当前时间。"),
    ({"deadline": "2026-03-02T09:59"}, "截止时间必须晚于当前时间。"),  # a minute before the frozen 10:00
    ({"deadline": "明天下午"}, "时间格式不正确"),
    ({"contact_phone": "电话号码"}, "请填写有效的电话号码"),
    ({"contact_phone": "123"}, "请填写有效的电话号码"),
    ({"contact_email": "wang.jxj.gov.cn"}, "邮箱格式不正确。"),
    ({"title": ""}, "请填写场景名称。"),
    ({"sector": ""}, "请选择所属领域。"),
    ({"district": ""}, "请选择所在区县市。"),
], ids=["negative-budget", "huge-budget", "budget-not-a-number", "past-deadline", "deadline-a-minute-ago",
        "deadline-not-a-time", "phone-letters", "phone-short", "bad-email", "no-title", "no-sector", "no-district"])
def test_bad_scenario_input_is_named_in_chinese_and_every_field_kept(client, db, batch, changes, message):
    data = {**SCENARIO_FORM, **changes}

    response = client.post(f"/manage/batches/{batch.id}/scenarios/new", data=data)

    assert response.status_code == 200
    assert message in response.text
    assert "Not a valid" not in response.text, "an untranslated WTForms message reached the page"
    shown = form_values(response.text)
    assert {name: shown[name] for name in SCENARIO_FIELDS} == data
    assert db.session.scalar(select(Scenario)) is None


def test_editing_a_draft_changes_it_and_keeps_what_was_not_touched(client, db, create_scenario, batch):
    scenario = create_scenario(batch, deadline=datetime(2026, 4, 1, 9, 30, tzinfo=UTC), budget=120)
    form = form_values(client.get(f"/manage/scenarios/{scenario.id}/edit").text)
    assert form["title"] == "城市道路病害智能巡检" and form["deadline"] == "2026-04-01T17:30"

    response = client.post(f"/manage/scenarios/{scenario.id}/edit",
                           data={name: form[name] for name in SCENARIO_FIELDS} | {"title": "桥梁病害智能巡检"})

    assert response.location == f"/manage/scenarios/{scenario.id}/preview"
    assert "场景已保存。" in follow(client, response).text
    db.session.refresh(scenario)
    assert scenario.title == "桥梁病害智能巡检"
    assert scenario.deadline == datetime(2026, 4, 1, 9, 30, tzinfo=UTC)
    assert scenario.budget == Decimal("120.00")
    assert scenario.description_html == "<p>道路巡检依靠人工，效率低。</p>"
    actions = db.session.scalars(select(AuditRecord.action).where(AuditRecord.object_id == scenario.id,
                                                                  AuditRecord.object_type == "Scenario")).all()
    assert actions[-1] == "scenario.update"


def test_the_preview_lists_what_is_missing_before_publication(client, create_scenario, batch):
    scenario = create_scenario(batch, title="未完成场景", deadline=None, contact_phone="", requirements="")

    page = client.get(f"/manage/scenarios/{scenario.id}/preview").text

    assert "发布前还需完善：" in page
    for problem in ("缺少技术要求", "未设置揭榜截止时间", "缺少联系人或联系电话"):
        assert problem in page
    assert "发布场景" not in page


def test_publishing_a_batch_publishes_ready_scenarios_and_names_the_skipped_ones(client, db, create_scenario, batch):
    ready = create_scenario(batch, title="就绪场景")
    unfinished = create_scenario(batch, title="未完成场景", deadline=None, contact_phone="")
    batch_page = client.get(f"/manage/batches/{batch.id}").text
    assert "发布批次及已完善的场景" in batch_page and "待完善" in batch_page

    response = client.post(f"/manage/batches/{batch.id}/publish")

    page = follow(client, response).text
    assert "已发布 1 个场景。" in page
    assert "“未完成场景”未发布：未设置揭榜截止时间；缺少联系人或联系电话" in page
    db.session.refresh(batch)
    assert batch.state == BatchState.PUBLISHED
    assert (ready.state, unfinished.state) == (ScenarioState.PUBLISHED, ScenarioState.DRAFT)
    assert client.get(f"/scenarios/{ready.id}").status_code == 200


def test_a_batch_with_nothing_ready_stays_a_draft_and_says_why(client, db, create_scenario, batch):
    create_scenario(batch, title="未完成场景", deadline=None)

    page = follow(client, client.post(f"/manage/batches/{batch.id}/publish")).text

    assert "批次中没有可以发布的场景" in page
    db.session.refresh(batch)
    assert batch.state == BatchState.DRAFT


def test_a_ready_draft_in_a_published_batch_is_published_from_its_preview(client, db, create_scenario, batch):
    create_scenario(batch, state="published", title="首个场景")
    late = create_scenario(batch, title="补充场景")
    preview = client.get(f"/manage/scenarios/{late.id}/preview").text
    assert f'action="/manage/scenarios/{late.id}/publish"' in preview

    response = client.post(f"/manage/scenarios/{late.id}/publish")

    assert response.location == f"/scenarios/{late.id}"
    assert "场景已发布。" in follow(client, response).text
    db.session.refresh(late)
    assert late.state == ScenarioState.PUBLISHED and late.published_at == clock.now()


def test_a_draft_of_an_unpublished_batch_cannot_be_published_alone(client, db, create_scenario, batch):
    draft = create_scenario(batch)
    assert "发布场景" not in client.get(f"/manage/scenarios/{draft.id}/preview").text

    page = follow(client, client.post(f"/manage/scenarios/{draft.id}/publish")).text

    assert "所在批次尚未发布" in page
    db.session.refresh(draft)
    assert draft.state == ScenarioState.DRAFT


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_cancelling_needs_a_reason(client, db, create_scenario, batch, reason):
    scenario = create_scenario(batch, state="published")
    assert client.get(f"/manage/scenarios/{scenario.id}/cancel").status_code == 200

    response = client.post(f"/manage/scenarios/{scenario.id}/cancel", data={"reason": reason})

    assert response.status_code == 200
    assert "请填写撤销原因。" in response.text
    db.session.refresh(scenario)
    assert scenario.state == ScenarioState.PUBLISHED


def test_cancelling_with_a_reason_shows_it_to_the_public(client, db, create_scenario, batch):
    scenario = create_scenario(batch, state="published", title="智慧停车场景")

    response = client.post(f"/manage/scenarios/{scenario.id}/cancel", data={"reason": "经费调整，暂停实施"})

    assert response.location == f"/manage/batches/{batch.id}"
    assert "场景已撤销。" in follow(client, response).text
    db.session.refresh(scenario)
    assert scenario.state == ScenarioState.CANCELLED and scenario.cancel_reason == "经费调整，暂停实施"
    client.post("/logout")
    assert "经费调整，暂停实施" in client.get(f"/scenarios/{scenario.id}").text


def test_a_cancelled_scenario_cannot_be_cancelled_again(client, create_scenario, batch):
    scenario = create_scenario(batch, state="cancelled")

    response = client.post(f"/manage/scenarios/{scenario.id}/cancel", data={"reason": "再次撤销"})

    assert response.status_code == 200
    assert "不能执行该操作" in response.text


def test_editing_a_published_scenario_is_refused_with_a_clear_message(client, db, create_scenario, batch):
    scenario = create_scenario(batch, state="published")
    form = {**SCENARIO_FORM, "title": "发布后改标题", "deadline": "2026-05-01T10:00"}

    response = client.post(f"/manage/scenarios/{scenario.id}/edit", data=form, follow_redirects=True)

    assert response.status_code == 200
    assert "只有草稿状态的场景可以修改。" in response.text
    db.session.refresh(scenario)
    assert scenario.title == "城市道路病害智能巡检"
    assert "编辑" not in client.get(f"/manage/scenarios/{scenario.id}/preview").text.split("<article>")[0]


def test_opening_the_edit_page_of_a_published_scenario_says_at_once_it_is_fixed(client, create_scenario, batch):
    scenario = create_scenario(batch, state="published")

    response = client.get(f"/manage/scenarios/{scenario.id}/edit", follow_redirects=True)

    assert response.status_code == 200
    assert "只有草稿状态的场景可以修改。" in response.text


def _foreign_requests(batch_id, scenario_id):
    return [
        ("GET", f"/manage/batches/{batch_id}", None),
        ("GET", f"/manage/batches/{batch_id}/edit", None),
        ("POST", f"/manage/batches/{batch_id}/edit", {"title": "改名"}),
        ("POST", f"/manage/batches/{batch_id}/publish", None),
        ("GET", f"/manage/batches/{batch_id}/scenarios/new", None),
        ("POST", f"/manage/batches/{batch_id}/scenarios/new", SCENARIO_FORM),
        ("GET", f"/manage/scenarios/{scenario_id}/edit", None),
        ("POST", f"/manage/scenarios/{scenario_id}/edit", SCENARIO_FORM),
        ("GET", f"/manage/scenarios/{scenario_id}/preview", None),
        ("POST", f"/manage/scenarios/{scenario_id}/publish", None),
        ("GET", f"/manage/scenarios/{scenario_id}/cancel", None),
        ("POST", f"/manage/scenarios/{scenario_id}/cancel", {"reason": "别人的场景"}),
    ]


def test_another_department_gets_404_on_every_page_and_post_of_ours(client, db, create_user, create_scenario,
                                                                    login_as):
    ours = create_scenario(title="我们的草稿")
    stranger = create_user(Role.GOVERNMENT)
    login_as(stranger)

    for method, url, data in _foreign_requests(ours.batch_id, ours.id):
        response = client.open(url, method=method, data=data)
        assert response.status_code == 404, f"{method} {url}"

    db.session.expire_all()
    assert ours.state == ScenarioState.DRAFT and ours.title == "我们的草稿"
    assert ours.batch.state == BatchState.DRAFT and ours.batch.title != "改名"
    assert db.session.scalar(select(Scenario).where(Scenario.id != ours.id)) is None
    assert "我们的草稿" not in client.get("/manage/").text


def test_the_dashboard_lists_only_our_batches(client, create_batch, department, batch):
    theirs = create_batch(title="其他部门的批次")

    page = client.get("/manage/").text

    assert batch.title in page and theirs.title not in page


def test_the_dashboard_counts_each_batchs_scenarios(client, create_batch, create_scenario, department, batch):
    for _ in range(3):
        create_scenario(batch)
    empty = create_batch(department_user=department, title="空批次")

    page = client.get("/manage/").text

    row = page.split(batch.title, 1)[1].split("</tr>", 1)[0]
    assert "<td>3</td>" in row
    assert "<td>0</td>" in page.split(empty.title, 1)[1].split("</tr>", 1)[0]


def test_the_batch_page_and_draft_preview_show_times_in_hangzhou_time(client, create_scenario, batch):
    scenario = create_scenario(batch, deadline=datetime(2026, 4, 1, 2, 0, tzinfo=UTC))

    for url in (f"/manage/batches/{batch.id}", f"/manage/scenarios/{scenario.id}/preview"):
        page = client.get(url).text
        assert "2026-04-01 10:00" in page and "2026-04-01 02:00" not in page


def test_a_deadline_typed_in_hangzhou_time_is_kept_exactly(client, db, batch):
    client.post(f"/manage/batches/{batch.id}/scenarios/new", data={**SCENARIO_FORM, "deadline": "2026-03-02T10:01"})

    scenario = db.session.scalar(select(Scenario))
    assert scenario.deadline == clock.now() + timedelta(minutes=1)

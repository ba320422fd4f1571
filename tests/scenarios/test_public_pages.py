"""What the public sees: the home page, the scenario list and its filters, batches and scenario pages."""

from datetime import UTC, datetime, timedelta

import pytest

from portal.scenarios import operations
from portal.util import clock


def section(page: str, start: str, end: str | None = None) -> str:
    part = page.split(start, 1)[1]
    return part.split(end, 1)[0] if end else part


def listed(client, query: str = "") -> str:
    response = client.get(f"/scenarios{query}")
    assert response.status_code == 200
    return response.text


def test_home_shows_open_scenarios_and_those_closing_within_a_week(client, create_batch, create_scenario,
                                                                   frozen_now):
    old_batch, batch = create_batch(), create_batch()
    create_scenario(old_batch, state="published", title="甲：隧道巡检", deadline=clock.now() + timedelta(days=2))
    create_scenario(old_batch, state="published", title="乙：桥梁监测", deadline=clock.now() + timedelta(days=20))
    create_scenario(old_batch, state="published", title="丙：港口识别", deadline=clock.now() + timedelta(hours=1))
    create_scenario(old_batch, title="丁：草稿场景")
    create_scenario(batch, state="published", title="戊：最新清单场景")
    frozen_now.travel(timedelta(hours=2))  # 丙 is now past its deadline

    page = client.get("/").text

    open_now = section(page, 'id="open-now"', 'id="closing-soon"')
    closing = section(page, 'id="closing-soon"')
    latest = section(page, 'id="current-batch"', 'id="open-now"')
    assert "甲：隧道巡检" in open_now and "乙：桥梁监测" in open_now
    assert "丙：港口识别" not in open_now and "丁：草稿场景" not in page
    assert "甲：隧道巡检" in closing
    assert "乙：桥梁监测" not in closing and "丙：港口识别" not in closing
    assert "1 天 22 小时" in closing  # time left on 甲
    assert "戊：最新清单场景" in latest and "甲：隧道巡检" not in latest
    assert batch.title in latest


def test_home_says_so_when_nothing_is_open(client):
    page = client.get("/").text

    assert "目前没有正在揭榜的场景" in page and "近 7 天内没有截止的场景" in page


@pytest.fixture
def catalogue(db, create_batch, create_scenario, frozen_now):
    """Published scenarios that differ in one filterable attribute each, by name."""
    first, second = create_batch(title="2026年第一批场景机会清单"), create_batch(title="2026年第二批场景机会清单")
    later = clock.now() + timedelta(days=10)
    made = {
        "security": create_scenario(first, state="published", title="城市道路病害智能巡检", sector="security",
                                    district="西湖区", deadline=later),
        "medical": create_scenario(first, state="published", title="基层医院医学影像辅助诊断", sector="medical_imaging",
                                   district="滨江区", deadline=clock.now() + timedelta(hours=1),
                                   description="<p>面向社区卫生服务中心的肺结节筛查</p>"),
        "driving": create_scenario(second, state="published", title="园区无人接驳车示范运营",
                                   sector="autonomous_driving", district="萧山区", deadline=later),
    }
    frozen_now.travel(timedelta(hours=2))  # the medical scenario has closed by its deadline
    return made


def titles_in(page: str, made: dict) -> set[str]:
    return {name for name, scenario in made.items() if scenario.title in page}


@pytest.mark.parametrize(("query", "expected"), [
    ("", {"security", "medical", "driving"}),
    ("?sector=security", {"security"}),
    ("?sector=medical_imaging", {"medical"}),
    ("?district=萧山区", {"driving"}),
    ("?district=滨江区&sector=security", set()),
    ("?status=published", {"security", "driving"}),
    ("?status=closed", {"medical"}),
    ("?q=病害", {"security"}),
    ("?q=肺结节", {"medical"}),
    ("?q=  无人接驳  ", {"driving"}),
    ("?q=不存在的关键词", set()),
    ("?q=" + "长" * 300, set()),
])
def test_the_scenario_list_filters(client, catalogue, query, expected):
    page = listed(client, query)

    assert titles_in(page, catalogue) == expected
    assert f"共 {len(expected)} 个场景" in page


def test_the_scenario_list_filters_by_batch(client, catalogue):
    second = catalogue["driving"].batch

    page = listed(client, f"?batch={second.id}")

    assert titles_in(page, catalogue) == {"driving"}
    assert f'<option selected value="{second.id}">2026年第二批场景机会清单</option>' in page


@pytest.mark.parametrize("query", ["?sector=nonsense", "?district=火星", "?status=bogus", "?status=draft",
                                   "?batch=abc", "?batch=999999", "?batch=99999999999999999999",
                                   "?sector=security'--", "?page=1&sector="])
def test_unknown_filter_values_are_ignored(client, catalogue, query):
    page = listed(client, query)

    assert titles_in(page, catalogue) == {"security", "medical", "driving"}


@pytest.mark.parametrize(("query", "expected"), [
    ("?q=100%", {"percent"}), ("?q=A_B", {"underscore"}), ("?q=%", {"percent"}), ("?q=_", {"underscore"}),
    # The escape characters themselves (SQLAlchemy's autoescape uses "/") are literal too.
    # (A lone "/" would match every description's </p>.)
    ("?q=A/B", {"slash"}), ("?q=/B双", {"slash"}), ("?q=A//B", set()), ("?q=/%", set()),
    ("?q=C:\\", {"backslash"}), ("?q=\\", {"backslash"}),
    # ASCII letters match in either case, as before.
    ("?q=a_b", {"underscore"}), ("?q=axb", {"letter"}),
])
def test_percent_and_underscore_in_a_keyword_match_literally(client, create_scenario, query, expected):
    made = {
        "percent": create_scenario(state="published", title="覆盖率100%的巡检", requirements="无"),
        "digits": create_scenario(state="published", title="覆盖率1000的巡检", requirements="无"),
        "underscore": create_scenario(state="published", title="A_B线路检测", requirements="无"),
        "letter": create_scenario(state="published", title="AXB线路检测", requirements="无"),
        "slash": create_scenario(state="published", title="A/B双线巡检", requirements="无"),
        "backslash": create_scenario(state="published", title="C:\\路径巡检", requirements="无"),
    }

    page = listed(client, query.replace("%", "%25"))

    assert titles_in(page, made) == expected


def test_a_keyword_longer_than_any_text_finds_nothing_without_an_error(client, create_scenario):
    create_scenario(state="published", title="隧道巡检机器人应用场景")

    # SQLite refuses LIKE patterns beyond 50 000 bytes.
    page = client.get("/scenarios", query_string={"q": "隧道巡检" + "。" * 60000})

    assert page.status_code == 200 and "隧道巡检机器人应用场景" not in page.text


def test_the_list_is_paginated(app, client, create_batch, create_scenario):
    app.config["PAGE_SIZE"] = 2
    batch = create_batch()
    made = {n: create_scenario(batch, state="published", title=f"分页场景{n}号") for n in ("一", "二", "三")}

    first, second = listed(client), listed(client, "?page=2")

    assert titles_in(first, made) == {"三", "二"}  # newest first
    assert titles_in(second, made) == {"一"}
    assert 'href="/scenarios?page=2"' in first


@pytest.mark.parametrize("page", ["9999", "abc", "0", "-3", "99999999999999999999"])
def test_odd_page_numbers_do_not_break_the_list(app, client, create_scenario, page):
    app.config["PAGE_SIZE"] = 2
    create_scenario(state="published", title="唯一场景")

    response = client.get(f"/scenarios?page={page}")

    assert response.status_code == 200
    assert "共 1 个场景" in response.text


@pytest.mark.parametrize("path", ["/scenarios/99999999999999999999", "/batches/99999999999999999999",
                                  "/scenarios/2147483648", "/scenarios/999999"])
def test_an_unknown_or_absurd_id_is_simply_not_found(client, path):
    assert client.get(path).status_code == 404


def test_drafts_and_scenarios_of_draft_batches_are_nowhere_to_be_seen(client, create_batch, create_scenario):
    published = create_scenario(state="published", title="已发布场景")
    draft_in_public_batch = create_scenario(published.batch, title="公开批次里的草稿")
    cancelled_draft = create_scenario(published.batch, state="cancelled", title="撤销的草稿")
    draft_batch = create_batch(title="尚未发布的批次")
    in_draft_batch = create_scenario(draft_batch, title="草稿批次里的场景")

    everything = listed(client) + client.get("/").text + client.get("/batches").text
    batch_page = client.get(f"/batches/{published.batch_id}").text

    for hidden in (draft_in_public_batch, cancelled_draft, in_draft_batch):
        assert hidden.title not in everything and hidden.title not in batch_page
        assert client.get(f"/scenarios/{hidden.id}").status_code == 404
    assert "尚未发布的批次" not in everything
    assert client.get(f"/batches/{draft_batch.id}").status_code == 404
    assert "已发布场景" in batch_page and "本批次共 1 个场景" in batch_page


def test_a_cancelled_published_scenario_shows_why(client, db, create_scenario):
    scenario = create_scenario(state="published", title="智慧停车场景")
    operations.cancel_scenario(scenario, scenario.batch.department.users[0], "经费调整，本年度暂停实施")
    db.session.commit()

    page = client.get(f"/scenarios/{scenario.id}").text

    assert "该场景已撤销。" in page and "经费调整，本年度暂停实施" in page
    assert "已撤销" in listed(client, "?status=cancelled") and "智慧停车场景" in listed(client, "?status=cancelled")


def test_the_scenario_page_shows_its_facts_and_the_time_left(client, create_scenario, frozen_now):
    scenario = create_scenario(state="published", title="工业视觉缺陷检测", budget=150,
                               deadline=clock.now() + timedelta(days=3, hours=4, minutes=20))

    page = client.get(f"/scenarios/{scenario.id}").text

    assert "剩余 3 天 4 小时" in page
    # The contact is masked for the public (个人信息保护法; tests/privacy).
    assert "150 万元" in page and "王*" in page and "0571-****4321" in page
    assert scenario.department.name in page and scenario.batch.title in page
    assert "揭榜需以企业账号登录" in page


def test_a_scenario_past_its_deadline_shows_closed_without_time_left(client, create_scenario, frozen_now):
    scenario = create_scenario(state="published", deadline=clock.now() + timedelta(hours=1))
    frozen_now.travel(timedelta(hours=2))

    page = client.get(f"/scenarios/{scenario.id}").text

    assert "已截止" in page and "剩余" not in page and "揭榜需以企业账号登录" not in page


def test_times_are_shown_in_hangzhou_time(client, create_scenario, frozen_now):
    deadline = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    scenario = create_scenario(state="published", title="时区测试场景", deadline=deadline)

    detail = client.get(f"/scenarios/{scenario.id}").text
    card = listed(client)
    batch_page = client.get(f"/batches/{scenario.batch_id}").text

    for page in (detail, card, batch_page):
        assert "2026-03-10 10:00" in page
        assert "2026-03-10 02:00" not in page
    assert "2026-03-02 10:00" in detail  # published at the frozen moment, 02:00 UTC


def test_the_batch_list_counts_public_scenarios_only(client, create_scenario):
    published = create_scenario(state="published")
    create_scenario(published.batch, title="草稿")

    page = client.get("/batches").text

    assert published.batch.title in page and "1 个场景" in page


def test_every_page_names_the_portal_icon_and_the_old_address_leads_to_it(client):
    icon = client.get("/favicon.ico")

    assert icon.status_code == 301
    assert icon.location.endswith("/static/img/favicon.svg")
    with client.get(icon.location) as picture:
        assert picture.mimetype == "image/svg+xml"
    assert 'rel="icon"' in client.get("/").text

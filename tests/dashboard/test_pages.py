"""The dashboard pages: what the public, a department and an admin see, and that it adds up."""

from datetime import timedelta

import pytest
from sqlalchemy import event

from portal.accounts.models import Role
from portal.extensions import db
from portal.util import clock
from tests.dashboard.pages import assert_tables_match_charts, figure_table, read_dashboard

PUBLIC, DEPARTMENT, PLATFORM = "/dashboard", "/manage/dashboard", "/admin/dashboard"


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_public_dashboard_hides_bids_on_scenarios_before_their_deadline(client, city):
    html = page(client, PUBLIC)
    # closed_a 3, final_a 2, closed_b 1 proposals; open_a (2) and open_b (1) are sealed and not counted.
    assert figure_table(html, "proposals") == {"0 份": [0], "1 份": [1], "2 份": [1], "3 份": [1], "4 份": [0],
                                                "5 份及以上": [0]}
    assert "2.0 份（3 个场景共 6 份）" in html
    assert "城市道路病害智能巡检" not in html  # no per-scenario figure for the public
    clock.travel(timedelta(days=30))
    html = page(client, PUBLIC)
    assert figure_table(html, "proposals")["2 份"] == [2]
    assert "1.8 份（5 个场景共 9 份）" in html


def test_public_dashboard_figures(client, city):
    html = page(client, PUBLIC)
    assert figure_table(html, "sector")["数字安防"] == [2]
    assert figure_table(html, "status") == {"揭榜中": [2], "已截止": [2], "评审中": [0], "已定榜": [0], "公示中": [0],
                                              "揭榜成功": [1], "已撤销": [1]}
    assert "50%（1 / 2）" in html  # of the two ended scenarios one ended 揭榜成功
    assert figure_table(html, "duration")["31–60 天"] == [1]
    assert "尚未发布的草稿场景" not in html and "草稿" not in figure_table(html, "status")
    assert_tables_match_charts(html)


def test_department_sees_its_own_bid_counts_and_only_public_figures_of_the_city(client, login_as, city):
    login_as(city.owner)
    html = page(client, DEPARTMENT)
    own = figure_table(html, "own-per_scenario")
    assert own["城市道路病害智能巡检"] == [2]  # its own open scenario: the count, as on its submissions page
    assert figure_table(html, "own-status")["草稿"] == [1]
    assert figure_table(html, "city-proposals") == figure_table(page(client, PUBLIC), "proposals")
    assert_tables_match_charts(html)

    login_as(city.other)
    html = page(client, DEPARTMENT)
    assert set(figure_table(html, "own-per_scenario")) == {"自动驾驶公交接驳", "医学影像云质控"}
    for title in ("城市道路病害智能巡检", "尚未发布的草稿场景"):
        assert title not in html  # another department's sealed scenario and draft stay out
    # The city's figures count department A's sealed bids no more than the public page does.
    assert sum(n for (n,) in figure_table(html, "city-proposals").values()) == 3


def test_admin_sees_every_scenario_and_the_catalogue_review_states(client, login_as, city, create_user):
    login_as(create_user(Role.ADMIN))
    html = page(client, PLATFORM)
    assert sum(n for (n,) in figure_table(html, "status").values()) == 7
    assert sorted(figure_table(html, "department").values()) == [[2, 0], [5, 1]]
    assert "product_state" in {t.key for t in read_dashboard(html)[1]}
    assert_tables_match_charts(html)


def test_the_pages_link_to_each_other(client, login_as, city, create_user):
    assert 'href="/dashboard"' in page(client, "/")
    login_as(city.owner)
    assert 'href="/manage/dashboard"' in page(client, "/manage/")
    login_as(create_user(Role.ADMIN))
    assert 'href="/admin/dashboard"' in page(client, "/admin/users")


def test_charts_are_drawn_by_a_served_script_without_inline_code(client, city):
    html = page(client, PUBLIC)
    assert '<script src="/static/vendor/chartjs/chart.umd.min.js">' in html
    assert '<script src="/static/js/dashboard.js">' in html
    assert "<script>" not in html and "<script type" not in html
    for path in ("/static/vendor/chartjs/chart.umd.min.js", "/static/js/dashboard.js"):
        response = client.get(path)
        assert response.status_code == 200
        response.close()


def test_empty_portal_shows_empty_figures(client):
    html = page(client, PUBLIC)
    assert "暂无已截止的场景" in html and "暂无已公示的结果" in html and "暂无已结束的场景" in html
    assert_tables_match_charts(html)


def _statements(client, url) -> int:
    seen = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):  # not the BEGIN of a transaction
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        page(client, url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


@pytest.mark.parametrize("url", [PUBLIC, PLATFORM])
def test_query_count_does_not_grow_with_the_data(client, login_as, city, create_user, create_scenario,
                                                 submit_proposal, url):
    login_as(create_user(Role.ADMIN)) if url == PLATFORM else None
    before = _statements(client, url)
    bidder = create_user(Role.ENTERPRISE)
    city.closed_b.batch.proposal_cap = 4  # one bidder in four more scenarios of the batch
    for n in range(4):
        scenario = create_scenario(city.closed_b.batch, state="published", title=f"追加场景{n}", district="临安区")
        submit_proposal(scenario, bidder)
    assert _statements(client, url) == before

"""Scenarios in search, and matchmaking between scenarios and catalogue products."""

from datetime import timedelta

from portal import search
from portal.catalogue import queries
from portal.catalogue.models import Product
from portal.extensions import db
from portal.util import clock

POWER = {"title": "变电站电力巡检智能化", "sector": "special_imaging", "district": "余杭区",
             "description": "变电站和输电线路巡检依靠人工，夜间难以发现设备发热和放电缺陷。",
             "requirements": "1. 红外测温发现设备过热\n2. 紫外成像发现电晕放电\n3. 支持无人机或机器人自主巡检"}


def test_a_published_scenario_is_searchable_and_a_cancelled_one_is_not(client, db, create_scenario, search_index):
    scenario = create_scenario(state="published", **POWER)
    draft = create_scenario(title="电力巡检草稿场景")
    page = client.get("/search?q=电力巡检&tab=scenarios").get_data(as_text=True)
    assert "<mark>电力巡检</mark>智能化" in page and draft.title not in page
    from portal.scenarios import operations
    from tests.factories import _owner_of

    operations.cancel_scenario(scenario, _owner_of(scenario.batch), "需求调整")
    db.session.commit()
    assert search.query("scenario", "电力巡检").total == 0


def test_a_quoted_phrase_finds_scenarios_whose_text_holds_it_word_for_word(db, create_scenario, search_index):
    together = create_scenario(state="published", title="隧道结构安全监测",
                               description="<p>需要表面检测与裂缝识别。</p>")
    apart = create_scenario(state="published", title="桥梁养护数字化", description="<p>表面清理后人工检测。</p>")

    assert [hit.id for hit in search.query("scenario", '"表面检测"').items] == [together.id]
    assert {hit.id for hit in search.query("scenario", "表面 检测").items} == {together.id, apart.id}


def test_open_filter_keeps_only_scenarios_before_their_deadline(db, create_scenario, search_index):
    scenario = create_scenario(state="published", **POWER)
    assert search.query("scenario", "巡检", {"open": True}).total == 1
    clock.set_now(scenario.deadline + timedelta(minutes=1))
    assert search.query("scenario", "巡检", {"open": True}).total == 0
    assert search.query("scenario", "巡检").total == 1


def test_a_power_inspection_scenario_lists_related_products_with_reasons(client, sample_catalogue, create_scenario):
    scenario = create_scenario(state="published", **POWER)
    related = queries.related_products(scenario)
    assert 0 < len(related) <= 5
    names = [product.name for product, _why in related]
    assert {"电力巡检红外热成像无人机吊舱", "紫外电晕成像检测仪"} <= set(names)
    assert all(why for _product, why in related)
    page = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert "相关产品" in page and "电力巡检红外热成像无人机吊舱" in page and "匹配" in page


def test_a_product_page_lists_open_scenarios_it_could_serve(client, sample_catalogue, create_scenario):
    scenario = create_scenario(state="published", **POWER)
    closed = create_scenario(state="closed", **{**POWER, "title": "已截止的电力巡检场景"})
    product_id = sample_catalogue[45]
    page = client.get(f"/products/{product_id}").get_data(as_text=True)
    assert "可揭榜的相关场景" in page and scenario.title in page and closed.title not in page


def test_a_scenario_without_matching_products_shows_no_block(client, search_index, create_scenario):
    scenario = create_scenario(state="published")
    assert "相关产品" not in client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)


def test_reasons_show_the_longest_forms_only():
    assert search._reasons(["巡检", "变电", "变电站", "电站", "城市道路", "市道"]) == ["巡检", "变电站", "城市道路"]


def test_a_product_pages_open_scenarios_follow_the_clock_between_index_changes(client, sample_catalogue,
                                                                             create_scenario):
    best = create_scenario(state="published", **{**POWER, "title": "变电站电力巡检红外测温（明天截止）"},
                           deadline=clock.now() + timedelta(days=1))
    next_best = create_scenario(state="published", **{**POWER, "title": "下月截止的场景"},
                                deadline=clock.now() + timedelta(days=30))
    product = db.session.get(Product, sample_catalogue[45])
    for _visit in range(2):  # the second time reuses the answer: its scenario is still open
        assert [s.id for s, _why in queries.related_scenarios(product, limit=1)] == [best.id]

    clock.set_now(best.deadline + timedelta(minutes=1))  # no index change: only the clock moved
    assert [s.id for s, _why in queries.related_scenarios(product, limit=1)] == [next_best.id]
    page = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert best.title not in page and next_best.title in page

"""The general matching rules found by studying the judged real lists (tests/search/test_real_lists.py): each
is checked here on products of its own, so a rule cannot quietly stop working while the averages hold."""

import pytest

from portal import search
from portal.search import engine


def names(q: str) -> list[str]:
    from portal.catalogue.models import Product
    from portal.extensions import db

    return [db.session.get(Product, hit.id).name for hit in search.query("product", q).items]


def test_a_compound_word_is_split_into_its_parts_with_the_head_last():
    assert engine.parts("矿山机械") == (["矿山", "机械"], [])
    assert engine.parts("医疗器械") == (["医疗", "器械"], [])
    # Three characters: what qualifies the head is required, the head only adds to the score.
    assert engine.parts("滚齿机") == (["滚齿"], ["机"])
    assert engine.parts("消毒设备") == (["消毒", "设备"], [])
    assert engine.parts("红外") == ([], []) and engine.parts("IR-640U") == ([], [])


def test_a_compound_word_finds_its_parts_below_the_word_itself(create_product):
    hobbing = create_product(name="数控滚齿铣棱复合机床", model="YH3120", description="")
    exact = create_product(name="高效滚齿机", model="YK-1", description="")
    create_product(name="立式加工中心", model="VMC-1", description="")
    assert names("滚齿机")[:2] == [exact.name, hobbing.name]
    results = search.query("product", "滚齿机")
    assert results.total == 2 and not results.partial


def test_a_part_alone_is_a_partial_match(create_product):
    create_product(name="智能过氧化氢空间灭菌系统", model="M-1", description="用于医院病房的消毒")
    results = search.query("product", "消毒设备")
    assert names("消毒设备") == ["智能过氧化氢空间灭菌系统"]
    assert results.partial or results.full_total == 1


def test_a_name_ending_in_the_query_head_is_found(create_product):
    create_product(name="软包锂电池用铝塑复合膜", model="AL-1", description="")
    assert names("铝塑膜") == ["软包锂电池用铝塑复合膜"]


def test_expansions_are_found_in_name_characters_and_category_labels(create_product):
    # The thesaurus makes 木工机械 find 刨片机; jieba cuts 刨片机 one way alone and another inside this name.
    create_product(name="环式长材刨片机及进料系统", model="BX-1", description="", sector="other")
    assert names("木工机械") == ["环式长材刨片机及进料系统"]
    # ship → 船舶, found in the 类别 label 船舶与海洋工程装备 of a product whose name says 渡船.
    create_product(name="节能型全电力推进车客渡船", model="V-1", description="", sector="other",
                   category="ships_offshore")
    assert "节能型全电力推进车客渡船" in names("ship")


def test_english_nouns_match_in_either_number(create_product):
    create_product(name="Smart valves controller", model="SV-1", description="")
    assert names("valve") == names("valves") == ["Smart valves controller"]


def test_a_category_keyword_finds_the_products_of_that_category(create_product):
    create_product(name="TOPCon电池组件及组串式矩阵系统", model="T-1", description="", sector="other")
    create_product(name="光伏支架清洗机器人", model="R-1", description="", sector="other")
    # 光伏 is a keyword of 发电装备; the product that says 光伏 ranks first.
    assert names("光伏") == ["光伏支架清洗机器人", "TOPCon电池组件及组串式矩阵系统"]


@pytest.mark.parametrize("typed", ["GRT200-TM20", "grt200tm20", "GRT200 TM20", "ＧＲＴ２００－ＴＭ２０", "GRT200"])
def test_model_codes_are_found_however_they_are_typed(create_product, typed):
    create_product(name="泥水平衡盾构机", model="GRT200-TM20", description="")
    create_product(name="土压平衡盾构机", model="GRT300-TM20", description="")
    assert names(typed)[0] == "泥水平衡盾构机"

"""The thesaurus: category words, abbreviations, translations and variants expand a query, weighing less."""

import pytest
from sqlalchemy import select, update

from portal import search
from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.search import thesaurus
from portal.search.models import SearchVersion
from portal.search.thesaurus import Thesaurus, ThesaurusError, parse_toml

SHIPPED = """
[[entry]]
term = "农业机械"
expands = ["插秧机", "收割机", "拖拉机"]
kind = "hypernym"
source = "测试"

[[entry]]
term = "AGV"
expands = ["自动导引车"]
kind = "abbreviation"
source = "测试"

[[entry]]
term = "LiDAR"
expands = ["激光雷达"]
kind = "translation"
source = "测试"

[[entry]]
term = "glass fiber"
expands = ["玻璃纤维"]
kind = "translation"
source = "测试"
"""


@pytest.fixture
def shipped(monkeypatch):
    """A small thesaurus of a domain's own, given to search at set-up."""
    monkeypatch.setitem(search._providers, "test", lambda: parse_toml(SHIPPED, "test.toml"))


def ids(results):
    return [hit.id for hit in results.items]


def test_the_file_format_reads_every_kind_and_names_a_bad_entry():
    entries = parse_toml(SHIPPED, "test.toml")
    assert [(e.term, e.kind) for e in entries] == [
        ("农业机械", "hypernym"),
        ("AGV", "abbreviation"),
        ("LiDAR", "translation"),
        ("glass fiber", "translation"),
    ]
    assert entries[0].expands == ("插秧机", "收割机", "拖拉机") and entries[0].source == "测试"
    with pytest.raises(ThesaurusError, match="第 1 个词条"):
        parse_toml('[[entry]]\nterm = "阀门"\nexpands = ["球阀"]\nkind = "cousin"\n', "x.toml")
    with pytest.raises(ThesaurusError, match="至少需要一个扩展词"):
        parse_toml('[[entry]]\nterm = "阀门"\nexpands = ["阀门"]\nkind = "variant"\n', "x.toml")
    with pytest.raises(ThesaurusError, match="格式不正确"):
        parse_toml("[[entry]\n", "x.toml")


def test_equivalents_work_both_ways_a_category_only_downwards_and_case_never_matters():
    table = Thesaurus(parse_toml(SHIPPED, "test.toml"))
    assert [to for to, _k, _b in table.expand("农业机械")] == ["插秧机", "收割机", "拖拉机"]
    assert table.expand("插秧机") == ()
    assert table.expand("agv") == (("自动导引车", "abbreviation", 0.8),)
    assert table.expand("ＡＧＶ") == table.expand("Agv")
    assert table.expand("自动导引车") == (("AGV", "abbreviation", 0.8),)
    assert table.expand("lidar")[0][:2] == ("激光雷达", "translation")
    assert thesaurus.BOOSTS["hypernym"] < thesaurus.BOOSTS["variant"] < thesaurus.BOOSTS["abbreviation"] < 1


def test_a_category_word_finds_its_members_and_the_page_says_how(client, create_product, shipped):
    rice = create_product(name="高速乘坐式插秧机", model="RP-8", description="水稻种植机械化")
    harvester = create_product(name="履带式联合收割机", model="CH-4", description="小麦水稻收获")
    create_product()

    results = search.query("product", "农业机械")
    assert set(ids(results)) == {rice.id, harvester.id} and not results.partial
    # Only the expansions that found something the word did not are shown (no product holds 拖拉机;
    # 热像仪 → 红外热像仪 of the synonym table finds nothing 热像仪 does not).
    assert results.expansions == [("农业机械", ["插秧机", "收割机"])]
    page = client.get("/search?q=农业机械").get_data(as_text=True)
    assert "已扩展：农业机械 → 插秧机、收割机" in page
    body = client.get("/api/v1/products?q=农业机械").json
    assert body["expansions"] == [{"word": "农业机械", "expansions": ["插秧机", "收割机"]}]
    assert client.get("/api/v1/products?q=热像仪").json["expansions"] == []


def test_an_expansion_weighs_less_than_the_word_typed(create_product, shipped):
    typed = create_product(name="AGV智能搬运小车", model="A-1", description="仓储物流")
    expanded = create_product(name="激光导航自动导引车", model="B-2", description="仓储物流")

    assert ids(search.query("product", "AGV")) == [typed.id, expanded.id]
    assert ids(search.query("product", "agv")) == [typed.id, expanded.id]
    assert ids(search.query("product", "自动导引车")) == [expanded.id, typed.id]


def test_an_expansion_can_complete_a_partial_match(create_product, shipped):
    lidar = create_product(name="车规级激光雷达", model="L-128", description="自动驾驶感知")
    results = search.query("product", "LiDAR 自动驾驶")
    assert ids(results) == [lidar.id] and results.full_total == 1


def test_a_term_of_several_typed_words_expands_as_one(create_product, shipped):
    """A buyer types glass fiber as two words; together they are the thesaurus term, so 玻璃纤维 answers them,
    also beside another word. A quoted phrase is searched as typed."""
    fiber = create_product(name="耐老化玻璃纤维直接纱", model="386H", description="风电叶片用")
    create_product()
    assert ids(search.query("product", "glass fiber")) == [fiber.id]
    assert ids(search.query("product", "Glass  Fiber 风电")) == [fiber.id]
    assert ids(search.query("product", '"glass fiber"')) == []


def test_admin_adds_an_entry_every_search_uses_at_once_and_deletes_it(client, db, login_as, create_user,
                                                                     create_product):
    valve = create_product(name="高压密封头", model="Q41F", description="石化管道")
    assert search.query("product", "截断装置").total == 0
    login_as(create_user(Role.ADMIN))
    refused = client.post("/admin/catalogue/thesaurus",
                          data={"term": "截断装置", "expands": "截断装置", "kind": "hypernym"})
    assert refused.status_code == 200 and "至少需要一个扩展词" in refused.get_data(as_text=True)

    page = client.post("/admin/catalogue/thesaurus", follow_redirects=True,
                       data={"term": "截断装置", "expands": "密封头、卡箍", "kind": "hypernym", "source": "采购目录"})
    assert "已添加扩展词条“截断装置”" in page.get_data(as_text=True)
    assert ids(search.query("product", "截断装置")) == [valve.id]
    assert "已扩展：截断装置 → 密封头" in client.get("/search?q=截断装置").get_data(as_text=True)
    entry = search.thesaurus_entries()[0]
    assert (entry.term, entry.expansions, entry.kind) == ("截断装置", ["密封头", "卡箍"], "hypernym")
    actions = [r.action for r in db.session.scalars(select(AuditRecord).order_by(AuditRecord.id))]
    assert "search.thesaurus_add" in actions
    assert "截断装置" in client.get("/admin/catalogue/thesaurus").get_data(as_text=True)

    client.post(f"/admin/catalogue/thesaurus/{entry.id}/delete")
    assert search.query("product", "截断装置").total == 0
    assert "search.thesaurus_delete" in [r.action for r in db.session.scalars(select(AuditRecord))]
    gone = client.post(f"/admin/catalogue/thesaurus/{entry.id}/delete", follow_redirects=True)
    assert gone.status_code == 200 and "该扩展词条不存在或已删除" in gone.get_data(as_text=True)


def test_an_entry_added_on_another_node_is_seen_at_the_next_search(db, create_product):
    valve = create_product(name="高压密封头", model="Q41F", description="石化管道")
    assert search.query("product", "截断装置").total == 0  # this process now caches the merged thesaurus
    before = search.current_thesaurus()
    # Another node writes the entry and raises the version in the shared database.
    search.add_thesaurus_entry("截断装置", ["密封头"], "hypernym")
    db.session.commit()
    assert search.current_thesaurus() is not before
    assert ids(search.query("product", "截断装置")) == [valve.id]
    # The cached merge is kept while the version stands still.
    assert search.current_thesaurus() is search.current_thesaurus()
    db.session.execute(update(SearchVersion).values(version=SearchVersion.version + 1))
    db.session.commit()
    assert search.current_thesaurus() is not before


def test_the_admin_form_needs_its_csrf_token(csrf_app, client, login_as, create_user):
    login_as(create_user(Role.ADMIN))
    response = client.post("/admin/catalogue/thesaurus",
                           data={"term": "截断装置", "expands": "密封头", "kind": "hypernym"})
    assert response.status_code in (200, 400) and search.thesaurus_entries() == []


def test_the_synonym_table_still_expands_queries_as_variants(db, search_index):
    table = search.current_thesaurus()
    assert ("隧道掘进机", "variant", 0.6) in table.expand("盾构机")

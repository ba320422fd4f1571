"""Searching the catalogue as a buyer would: sub-words, phrases, models, companies, filters, and any input."""

from urllib.parse import quote_from_bytes

import pytest

from portal import search
from portal.search import reading


def names(results):
    from portal.catalogue.models import Product
    from portal.extensions import db

    return [db.session.get(Product, hit.id).name for hit in results.items]


def test_sub_words_and_model_numbers_find_the_thermal_imager(sample_catalogue):
    for q in ["红外", "热像", "热像仪", "红外热像仪", "非制冷", "IR-640U", "ir-640u", "640U", "ＩＲ－６４０Ｕ"]:
        assert "非制冷红外热像仪" in names(search.query("product", q))[:3], q


def test_company_names_find_their_products(sample_catalogue):
    found = set(names(search.query("product", "热眸光电")))
    assert {"非制冷红外热像仪", "紫外电晕成像检测仪", "测温型热成像摄像机", "周界防范热成像双光谱摄像机"} <= found


def test_name_matches_rank_above_description_matches(sample_catalogue):
    ranked = names(search.query("product", "内窥镜"))
    assert set(ranked[:2]) == {"4K荧光腹腔内窥镜摄像系统", "超高清工业内窥镜"}


def test_quoted_phrases_must_appear_together(sample_catalogue):
    loose = names(search.query("product", "热成像 摄像机"))
    phrase = names(search.query("product", '"热成像摄像机"'))
    assert phrase == ["测温型热成像摄像机"]
    assert len(loose) > len(phrase)


def test_a_quoted_phrase_in_a_description_needs_its_words_side_by_side(create_product):
    together = create_product(name="锂电极片检测仪", model="LD-1", description="支持表面检测和缺陷分类")
    apart = create_product(name="极片测量仪", model="LD-2", description="表面处理以后进行尺寸检测")
    far_apart = create_product(name="极片分析仪", model="LD-3", description="检测极片的表面")

    assert names(search.query("product", '"表面检测"')) == [together.name]
    assert set(names(search.query("product", "表面 检测"))) == {together.name, apart.name, far_apart.name}


def test_synonyms_bridge_buyer_words_and_catalogue_words(sample_catalogue):
    assert names(search.query("product", "自动导引车"))[0] == "视觉导航潜伏式无人搬运车"
    assert names(search.query("product", "头显"))[0] == "8K VR一体机"
    assert names(search.query("product", "无损探伤"))[0] == "X射线工业CT无损检测系统"


def test_documents_with_every_word_come_first_then_partial_matches(sample_catalogue):
    results = search.query("product", "红外 无人机")
    assert names(results)[0] == "电力巡检红外热成像无人机吊舱"
    assert results.full_total == 1 and results.total > 1 and not results.partial


def test_partial_matches_rank_by_the_rarity_of_the_words_they_hold(client, create_product):
    rare = create_product(name="步进扫描光刻机", model="SSA-600", description="用于集成电路制造")
    common = [create_product(name=f"国产测试仪{n}", model=f"GC-{n}", description="国产化替代产品")
              for n in range(4)]

    results = search.query("product", "国产 光刻机 量子计算")
    assert results.partial and results.full_total == 0
    assert [hit.id for hit in results.items] == [rare.id] + [p.id for p in common]
    page = client.get("/search", query_string={"q": "国产 光刻机 量子计算"}).get_data(as_text=True)
    assert "没有同时包含全部词语的产品，以下为部分匹配" in page and "步进扫描<mark>光刻机</mark>" in page
    body = client.get("/api/v1/products", query_string={"q": "国产 光刻机 量子计算"}).json
    assert body["partial"] is True and body["items"][0]["id"] == rare.id
    full = client.get("/api/v1/products", query_string={"q": "光刻机"}).json
    assert full["partial"] is False and full["total"] == 1
    assert "部分匹配" not in client.get("/search", query_string={"q": "光刻机"}).get_data(as_text=True)


def test_nothing_matching_any_word_is_still_nothing(client, create_product):
    create_product()
    results = search.query("product", "量子计算 光刻机")
    assert (results.total, results.partial) == (0, False)
    assert "没有找到" in client.get("/search?q=量子计算 光刻机").get_data(as_text=True)


def test_filters_and_sort_by_year(sample_catalogue):
    national = search.query("product", "红外", {"level": "national"})
    assert set(names(national)) == {"非制冷红外热像仪", "晶圆级非制冷红外探测器", "仿生四足巡检机器人"}
    assert names(search.query("product", "红外", {"year": 2021})) == ["测温型热成像摄像机"]
    by_year = search.query("product", "红外", sort="year")
    years = [hit.fields["year"] for hit in by_year.items]
    assert years == sorted(years, reverse=True)
    assert search.query("product", "红外", {"district": "淳安县"}).total == 0


def test_results_paginate(sample_catalogue):
    first = search.query("product", "检测", page=1, per_page=3)
    second = search.query("product", "检测", page=2, per_page=3)
    assert first.total == second.total > 6 and first.pages == -(-first.total // 3)
    assert not {h.id for h in first.items} & {h.id for h in second.items}
    assert first.has_next and not first.has_prev and second.prev_num == 1


def test_search_page_highlights_and_offers_suggestions_when_nothing_matches(client, sample_catalogue):
    page = client.get("/search?q=热像仪").get_data(as_text=True)
    assert "<mark>热像仪</mark>" in page and "找到" in page
    # 光刻机 now finds the sample's 电子信息与集成电路装备 through 光刻, a keyword of that 类别.
    empty = client.get("/search?q=咖啡机").get_data(as_text=True)
    assert "没有找到" in empty and "q=%E7%BA%A2%E5%A4%96%E7%83%AD%E5%83%8F%E4%BB%AA" in empty


NASTY = ['"', '"红外', "红外\"热像", "AND OR NOT", "((()))", "*", "?*", "~2", "^", "热像仪^99", "field:红外",
         "名称:[a TO z]", "\x00\x01\x1b", "\u202e\ufeff", "热" * 10_000, "a" * 10_000, "%", "_", "\\", "<script>",
         "' OR 1=1 --", "红外 " * 300, "🙂", "ｒｅｄ", "NOT 红外", "-红外", "+红外", "1e309"]


def test_no_query_string_breaks_the_page_or_the_api(client, sample_catalogue):
    for q in NASTY:
        assert client.get("/search", query_string={"q": q}).status_code == 200, repr(q)
        assert client.get("/search", query_string={"q": q, "tab": "scenarios"}).status_code == 200, repr(q)
        response = client.get("/api/v1/products", query_string={"q": q[:1000]})
        assert response.status_code == 200 and isinstance(response.json["items"], list), repr(q)


@pytest.mark.parametrize("q", ["\ud800", "红外\udfff热像仪", "\x00\x07\x1b", "!!!@@@###", "（）【】", "\u200b\u200d",
                               "𠀀𠀁", "-" * 100, " ".join(["红外"] * 300), "IR-640U" * 200])
def test_lone_surrogates_control_characters_and_huge_input_never_fail(client, create_product, q):
    create_product()
    for kind in ("product", "scenario"):
        assert search.query(kind, q).total >= 0
    raw = quote_from_bytes(q.encode("utf-8", "surrogatepass"))  # as a browser or script could send it
    assert client.get("/search?q=" + raw).status_code == 200
    assert client.get("/search?tab=scenarios&q=" + raw).status_code == 200
    assert client.get("/api/v1/products?q=" + quote_from_bytes(q[:1000].encode("utf-8", "surrogatepass"))
                      ).status_code == 200


@pytest.mark.parametrize("year", ["9" * 5000, "²⁰²⁵", "２０２５", "02025"])
def test_a_strange_year_filter_is_ignored_on_the_page(client, sample_catalogue, year):
    page = client.get("/search", query_string={"q": "红外", "year": year})

    assert page.status_code == 200 and "热像仪" in page.text


def test_api_answers_in_rank_order_with_highlights(client, sample_catalogue):
    body = client.get("/api/v1/products?q=热像仪&per_page=2").json
    assert body["total"] >= 2 and len(body["items"]) == 2
    first = body["items"][0]
    assert set(first) == {"id", "name", "model", "company", "type", "sector", "level", "year", "valid_until", "expired",
                          "highlight"}
    assert first["name"] == "非制冷红外热像仪" and "<mark>热像仪</mark>" in first["highlight"]
    filtered = client.get("/api/v1/products?q=红外&level=national&type=equipment&sector=special_imaging").json
    assert {i["name"] for i in filtered["items"]} == {"非制冷红外热像仪", "晶圆级非制冷红外探测器"}


@pytest.mark.parametrize("args, bad", [("page=0", "page"), ("per_page=1000", "per_page"), ("year=abc", "year"),
                                       ("sector=moon", "sector"), ("sort=price", "sort"), ("level=县级", "level"),
                                       ("q=" + "热" * 1001, "q")])
def test_api_names_a_bad_parameter(client, search_index, args, bad):
    response = client.get(f"/api/v1/products?{args}")
    assert response.status_code == 400 and response.json["error"]["parameter"] == bad


def test_broad_queries_report_a_lower_bound_instead_of_counting_everything(client, sample_catalogue, monkeypatch):
    exact = search.query("product", "检测")
    assert exact.exact and exact.total > 5
    monkeypatch.setattr(reading, "COUNT_CAP", 5)  # the cap query() applies
    capped = search.query("product", "检测")
    assert (capped.total, capped.exact) == (5, False)
    assert [h.id for h in capped.items] == [h.id for h in exact.items]
    assert "找到超过 5 个结果" in client.get("/search?q=检测").get_data(as_text=True)
    assert client.get("/api/v1/products?q=检测").json["total_exact"] is False


def test_a_long_compound_may_match_across_fields(sample_catalogue):
    # 热眸光电 is in the company name, 热像仪 in the product name.
    assert names(search.query("product", "热眸光电热像仪"))[0] == "非制冷红外热像仪"


@pytest.mark.parametrize("q, filters", [("检测", {}), ("红外", {"level": "national"}), ('"热成像摄像机"', {}),
                                        ("红外 无人机", {}), ("热眸光电热像仪", {}), ("监控摄像头", {"year": 2021}),
                                        ("热", {}), ("IR-640U", {})])
def test_counts_from_cached_bitsets_equal_whoosh_counts(sample_catalogue, app, q, filters):
    from whoosh import query as wq

    from portal.search import engine, registry
    from portal.search.docsets import to_whoosh

    plan = engine.build(engine.parse(q), search.current_thesaurus(), registry.get("product"))
    searcher = search.backend().searcher("products")
    allowed = set(searcher.docs_for_query(wq.And([wq.Term(k, v) for k, v in filters.items()]))) if filters else None
    units = [to_whoosh(unit) for unit in plan.units]
    every = len(searcher.search(wq.And(units), limit=None, filter=allowed)) if allowed != set() else 0
    some = len(searcher.search(wq.Or(units), limit=None, filter=allowed)) if allowed != set() else 0
    for _ in range(2):  # the second time from the cache
        results = search.query("product", q, filters)
        assert (results.full_total, results.total) == (every, some)


def test_bitset_cache_follows_a_withdrawn_product(db, create_product, create_user):
    from portal.accounts.models import Role
    from portal.catalogue import operations

    product = create_product()
    assert search.query("product", "热像仪").total == 1
    operations.revoke_product(product, create_user(Role.ADMIN), "认定已撤销")
    db.session.commit()
    search.apply_pending()
    assert search.query("product", "热像仪").total == 0
    create_product(name="制冷型红外热像仪")
    assert search.query("product", "热像仪").total == 1


def test_sorting_by_year_pages_through_the_matches_newest_first(sample_catalogue):
    pages = [search.query("product", "检测", page=n, per_page=3, sort="year") for n in range(1, 5)]
    hits = [hit for page in pages for hit in page.items]
    assert len({hit.id for hit in hits}) == len(hits) == min(12, pages[0].total)
    years = [hit.fields["year"] for hit in hits]
    assert years == sorted(years, reverse=True)

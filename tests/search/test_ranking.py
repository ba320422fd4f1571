"""The page read from groups of equal score is the page a full scoring of every match gives."""

import pytest

from portal import search
from portal.search import engine, ranking, registry


def _full_ranking(docsets, plan) -> list[int]:
    """Every match scored clause by clause; more of the query's rarity held first, then equal scores in
    index order."""
    units = [docsets.bits(unit) for unit in plan.units]
    matches = 0
    for bits in units:
        matches |= bits
    coverage = dict.fromkeys(range(docsets.size), 0.0)
    if len(units) > 1:
        for bits in units:
            idf = docsets.idf_of(bits)
            for doc in coverage:
                if bits >> doc & 1:
                    coverage[doc] += idf
    scores = dict.fromkeys(range(docsets.size), 0.0)
    for clause in plan.scored():
        bits, weight = docsets.bits(clause), docsets.weight(clause)
        for doc in scores:
            if bits >> doc & 1:
                scores[doc] += weight
    return sorted((doc for doc in scores if matches >> doc & 1),
                  key=lambda doc: (-round(coverage[doc], 9), -round(scores[doc], 9), doc))


@pytest.mark.parametrize("q", ["检测", "红外", "热像仪", "红外 无人机", "热眸光电热像仪", '"热成像摄像机"', "机器人",
                               "视觉缺陷检测", "监控摄像头", "国产 红外 无人机 光刻机", "高精度工业视觉缺陷检测系统"])
def test_pages_equal_a_full_scoring_of_every_match(sample_catalogue, app, monkeypatch, q):
    monkeypatch.setattr(ranking, "PRUNE_ABOVE", 1)  # prune at every step
    plan = engine.build(engine.parse(q), search.current_thesaurus(), registry.get("product"))
    search.backend().searcher("products")
    docsets = search.backend().docsets("products")
    expected = _full_ranking(docsets, plan)
    assert expected, q
    for offset, limit in [(0, 3), (0, 10), (3, 4), (len(expected) - 1, 5)]:
        page, total, _full = ranking.ranked(docsets, plan, None, offset, limit)
        assert total == len(expected)
        assert page == expected[offset:offset + limit], (q, offset)


def test_term_bitsets_read_from_posting_blocks_equal_whoosh_s_matches(db, create_product, app):
    """The block reader sees exactly the documents Whoosh's matcher does, across segments and with
    the deleted documents an update leaves behind."""
    from whoosh import query as wq

    products = [create_product(name=f"{kind}{n}", model=f"M-{n}", description=f"用于{kind}的巡检和测温，第{n}号")
                for n in range(6) for kind in ("红外热像仪", "巡检机器人")]
    search.apply_pending()
    for product in products[::3]:  # updated: the old documents stay in their segment, deleted
        product.description += "，已升级"
        search.record_change("product", product.id)
    db.session.commit()
    search.apply_pending()

    searcher = search.backend().searcher("products")
    docsets = search.backend().docsets("products")
    assert searcher.reader().has_deletions()
    for field in ("name", "body", "tags", "sector", "year"):
        for text in list(searcher.lexicon(field))[:40]:
            value = searcher.schema[field].from_bytes(text)
            term = wq.Term(field, value)
            assert docsets._term_bits(field, value) == docsets.from_docs(searcher.docs_for_query(term)), (field, text)

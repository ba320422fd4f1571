"""The page read from groups of equal score is the page a full scoring of every match gives."""

from pathlib import Path

import pytest

from portal import search
from portal.search import engine, ranking
from portal.search.synonyms import table_for


def _full_ranking(docsets, built) -> list[int]:
    """Every match scored clause by clause; equal scores in index order."""
    matches = docsets.bits(built)
    scores = dict.fromkeys(range(docsets.size), 0.0)
    for clause in ranking.clauses(built):
        bits, weight = docsets.bits(clause), docsets.weight(clause)
        for doc in scores:
            if bits >> doc & 1:
                scores[doc] += weight
    return sorted((doc for doc in scores if matches >> doc & 1), key=lambda doc: (-round(scores[doc], 9), doc))


@pytest.mark.parametrize("q", ["检测", "红外", "热像仪", "红外 无人机", "热眸光电热像仪", '"热成像摄像机"', "机器人",
                               "视觉缺陷检测", "监控摄像头"])
def test_pages_equal_a_full_scoring_of_every_match(sample_catalogue, app, monkeypatch, q):
    monkeypatch.setattr(ranking, "PRUNE_ABOVE", 1)  # prune at every step
    built = engine.build(engine.parse(q), table_for(Path(app.config["SYNONYMS_FILE"])), engine.PRODUCT_FIELDS)
    search._searcher("products")
    docsets = search._readers.docsets_for("products")
    expected = _full_ranking(docsets, built)
    assert expected, q
    for offset, limit in [(0, 3), (0, 10), (3, 4), (len(expected) - 1, 5)]:
        page, total = ranking.ranked(docsets, built, None, offset, limit)
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
        search.record_change(search.PRODUCT, product.id)
    db.session.commit()
    search.apply_pending()

    searcher = search._searcher("products")
    docsets = search._readers.docsets_for("products")
    assert searcher.reader().has_deletions()
    for field in ("name", "body", "tags", "sector", "year"):
        for text in list(searcher.lexicon(field))[:40]:
            term = wq.Term(field, searcher.schema[field].from_bytes(text))
            assert docsets._term_bits(term) == docsets.from_docs(searcher.docs_for_query(term)), (field, text)

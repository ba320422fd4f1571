"""The judged set from real published lists: well formed, and today's search quality on it, printed."""

import json
import math
from pathlib import Path

from portal import search
from portal.catalogue import importer, operations

DATA = Path(__file__).resolve().parents[1] / "data"


def _load():
    products = json.loads((DATA / "real_products.json").read_text(encoding="utf-8"))
    judged = json.loads((DATA / "real_judgments.json").read_text(encoding="utf-8"))["queries"]
    return products, judged


def test_the_real_judgments_are_well_formed():
    products, judged = _load()
    names = {p["id"]: p["name"] for p in products}
    assert len(judged) >= 80 and len({j["q"] for j in judged}) == len(judged)
    for query in judged:
        assert query["relevant"], query["q"]
        for item in query["relevant"]:
            assert names[item["id"]] == item["name"] and 1 <= item["grade"] <= 3, (query["q"], item)
    assert all(p["source"] and p["company"] and p["year"] for p in products)


def test_search_quality_on_the_real_lists_is_measured(db, search_index, capsys):
    products, judged = _load()
    rows = [importer.check_row({k: str(v) for k, v in p.items()})[0] for p in products]
    created = operations.import_products(rows, None, source_name="real_products.json").created
    db.session.commit()
    search.apply_pending()
    to_real = {product.id: item["id"] for item, product in zip(products, created, strict=True)}
    ndcg = recall = 0.0
    for query in judged:
        ranked = [to_real[hit.id] for hit in search.query("product", query["q"], per_page=10).items]
        grades = {r["id"]: r["grade"] for r in query["relevant"]}
        dcg = sum((2 ** grades.get(pid, 0) - 1) / math.log2(i + 2) for i, pid in enumerate(ranked[:10]))
        ideal = sorted(grades.values(), reverse=True)[:10]
        ndcg += dcg / sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
        wanted = {pid for pid, g in grades.items() if g >= 2}
        recall += len(wanted & set(ranked[:10])) / len(wanted) if wanted else 1.0
    with capsys.disabled():
        print(f"\nreal lists, {len(judged)} queries: nDCG@10 = {ndcg / len(judged):.3f}, "
              f"recall@10 = {recall / len(judged):.3f}")
    assert 0 < ndcg / len(judged) <= 1

"""The judged sets, measured and held to floors on every backend: the real published lists
(real_products.json, real_judgments.json) and the shared sample (catalogue_sample.json, search_judgments.json).

Each run prints nDCG@10, recall@10 and the queries without a result (when a word of theirs is in the
catalogue), overall and for the odd and even halves of the queries: a ranking change is developed on one half
and kept only if the other half gains too. The floors sit a little under the figures measured when they were
set (see bench/README.md); no query may be left without a result.
"""

import json
from pathlib import Path

import pytest

from portal import search
from portal.catalogue import importer, operations
from portal.catalogue.classify import category
from tests.search.quality import CATALOGUE, JUDGMENTS, measure, summary

DATA = Path(__file__).resolve().parents[1] / "data"
REAL_PRODUCTS, REAL_JUDGMENTS = DATA / "real_products.json", DATA / "real_judgments.json"

# (nDCG@10, recall@10) floors, overall and for each half. Measured when set (Whoosh and PostgreSQL alike), on 69
# products and 143 queries: real 0.951 / 0.961 (odd 0.945 / 0.955, even 0.957 / 0.966); sample 0.986 / 1.000 (odd
# 0.991, even 0.982). The sample's 0.976 is what it held before: it may not drop below it.
FLOORS = {
    "real": {"all": (0.94, 0.95), "odd": (0.935, 0.945), "even": (0.945, 0.955)},
    "sample": {"all": (0.976, 0.99), "odd": (0.97, 0.99), "even": (0.97, 0.99)},
}


def _load():
    products = json.loads(REAL_PRODUCTS.read_text(encoding="utf-8"))
    judged = json.loads(REAL_JUDGMENTS.read_text(encoding="utf-8"))["queries"]
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


@pytest.fixture(params=["whoosh", "postgresql"])
def backend(request, app, db, search_index):
    if request.param == "postgresql" and db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL search backend needs PostgreSQL")
    app.config["SEARCH_BACKEND"] = request.param  # the app fixture restores the configuration
    return request.param


def _imported(db, items: list[dict], source: str) -> tuple[dict[int, int], list[str]]:
    """Import `items`, index them; return product id → the item's id, and the catalogue's texts."""
    rows = []
    for item in items:
        row, problems = importer.check_row({k: str(v) for k, v in item.items()})
        assert not problems, (item["id"], problems)
        rows.append(row)
    created = operations.import_products(rows, None, source_name=source).created
    db.session.commit()
    search.apply_pending()
    texts = [str(item.get(key) or "") for item in items for key in ("name", "model", "company", "description", "specs")]
    for product in created:
        found = category(product.category) if product.category else None
        texts += [found.label, found.label_en] if found else []
    return {product.id: item["id"] for item, product in zip(items, created, strict=True)}, texts


def _check(name: str, figures: dict, backend: str, capsys) -> None:
    with capsys.disabled():
        print(summary(f"{name} ({backend})", figures))
    assert not figures["all"]["empty"], f"queries without a result: {figures['all']['empty']}"
    for half, (ndcg_floor, recall_floor) in FLOORS[name].items():
        assert figures[half]["ndcg"] >= ndcg_floor, f"{name} {half}: nDCG@10 {figures[half]['ndcg']:.3f} < {ndcg_floor}"
        assert figures[half]["recall"] >= recall_floor, (
            f"{name} {half}: recall@10 {figures[half]['recall']:.3f} < {recall_floor}")


def test_search_quality_on_the_real_lists(backend, db, capsys):
    products, judged = _load()
    to_real, texts = _imported(db, products, "real_products.json")
    _check("real", measure(judged, to_real, texts), backend, capsys)


def test_search_quality_on_the_shared_sample(backend, db, capsys):
    items = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    judged = json.loads(JUDGMENTS.read_text(encoding="utf-8"))["queries"]
    to_sample, texts = _imported(db, items, "catalogue_sample.json")
    _check("sample", measure(judged, to_sample, texts), backend, capsys)

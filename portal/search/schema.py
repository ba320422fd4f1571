"""What the index holds for a product and for a scenario, and how a row becomes a document.

FORMAT names the layout below: an index written with another one is rebuilt (it answers meanwhile).
"""

import functools

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from portal.reference import district_label, sector_label
from portal.search.analysis import bigram_analyzer, chinese_analyzer, pair_analyzer

PRODUCTS, SCENARIOS = "products", "scenarios"
FORMAT = "2"  # 2: long texts without positions, phrases through word pairs


def product_schema() -> Schema:
    zh = chinese_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        name=TEXT(analyzer=zh, stored=True),
        name_bi=TEXT(analyzer=bigram_analyzer()),
        model=TEXT(analyzer=zh, stored=True),
        model_exact=KEYWORD(lowercase=True),
        # Short fields whose words need no positions: phrases are matched in names and descriptions.
        company=TEXT(analyzer=zh, stored=True, phrase=False),
        tags=TEXT(analyzer=zh, phrase=False),
        # Long texts keep no positions: a phrase in them is looked up as its word pairs in body_pairs.
        body=TEXT(analyzer=zh, phrase=False),
        body_pairs=TEXT(analyzer=pair_analyzer(), phrase=False),
        description=STORED(),
        specs=STORED(),
        type=ID(stored=True),
        sector=ID(stored=True),
        level=ID(stored=True),
        district=ID(stored=True),
        # Filtered by exact year and sorted, never by range: one term per document instead of eight.
        year=NUMERIC(stored=True, sortable=True, shift_step=0),
    )


def scenario_schema() -> Schema:
    zh = chinese_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=zh, stored=True),
        title_bi=TEXT(analyzer=bigram_analyzer()),
        company=TEXT(analyzer=zh, stored=True, phrase=False),  # the owner department, under the products' name
        tags=TEXT(analyzer=zh, phrase=False),
        body=TEXT(analyzer=zh, phrase=False),
        body_pairs=TEXT(analyzer=pair_analyzer(), phrase=False),
        description=STORED(),
        sector=ID(stored=True),
        district=ID(stored=True),
        # Seconds since the epoch: open scenarios are those whose deadline is still ahead.
        deadline=NUMERIC(stored=True, sortable=True, bits=64),
        year=NUMERIC(stored=True, sortable=True, shift_step=0),
    )


SCHEMAS = {PRODUCTS: product_schema, SCENARIOS: scenario_schema}


def product_document(product) -> dict:
    body = "\n".join(filter(None, (product.description, product.specs, product.cases)))
    return {
        "id": str(product.id),
        "name": product.name,
        "name_bi": product.name,
        "model": product.model or "",
        "model_exact": (product.model or "").replace(" ", "").lower() or "-",
        "company": product.organization.name,
        "tags": _product_tags(product.sector, product.product_type, product.level, product.district or ""),
        "body": body,
        "body_pairs": body,
        "description": product.description or "",
        "specs": product.specs or "",
        "type": product.product_type.value,
        "sector": product.sector,
        "level": product.level.value,
        "district": product.district or "",
        "year": product.year,
    }


@functools.lru_cache(maxsize=1024)
def _product_tags(sector: str, product_type, level, district: str) -> str:
    """The labels of a product's facets, as words to search. Documents are always built in the index's
    language (zh_CN), so the few combinations are translated once, not once per product of a rebuild."""
    return " ".join(str(label) for label in (sector_label(sector), product_type.label, level.label,
                                             district_label(district) if district else ""))


def scenario_document(scenario, text: str) -> dict:
    return {
        "id": str(scenario.id),
        "title": scenario.title,
        "title_bi": scenario.title,
        "company": scenario.department.name,
        "tags": " ".join(str(label) for label in (scenario.sector_label, scenario.district_label)),
        "body": text,
        "body_pairs": text,
        "description": text[:2000],
        "sector": scenario.sector,
        "district": scenario.district,
        "deadline": int(scenario.deadline.timestamp()) if scenario.deadline else 0,
        "year": (scenario.published_at or scenario.created_at).year,
    }

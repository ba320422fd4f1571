"""The catalogue's approved products, as search documents (registered with portal.search at set-up)."""

import functools
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, select

from portal import search
from portal.reference import district_label, sector_label
from portal.search.registry import BIGRAMS, EXACT, FACET, NUMBER, PAIRS, STORED, WORDS, Field, Linked, facet, number

PRODUCT = "product"
THESAURUS_FILE = Path(__file__).with_name("thesaurus.toml")  # read by portal.catalogue.thesaurus

# How much a match in each field counts: a name match outranks a description match.
FIELDS = (
    Field("id", FACET, stored=True),
    Field("name", WORDS, 6.0, stored=True, expanded=True, title=True),
    Field("name_bi", BIGRAMS, 4.0, of="name"),
    Field("model", WORDS, 2.0, stored=True),
    Field("model_exact", EXACT, 8.0, of="model"),
    # Short fields whose words need no positions: phrases are matched in names and descriptions.
    Field("company", WORDS, 3.0, stored=True, phrase=False),
    # The 类别 labels: a thesaurus expansion (ship → 船舶) is found in them as in names.
    Field("tags", WORDS, 1.5, phrase=False, expanded=True),
    # Long texts keep no positions: a phrase in them is looked up as its word pairs in body_pairs.
    Field("body", WORDS, 1.0, phrase=False, pairs="body_pairs", expanded=False),
    Field("body_pairs", PAIRS),
    Field("description", STORED),
    Field("specs", STORED),
    Field("type", FACET, stored=True),
    Field("sector", FACET, stored=True),
    Field("level", FACET, stored=True),
    Field("district", FACET, stored=True),
    Field("year", NUMBER, stored=True),
)
FILTERS = ("type", "sector", "level", "district", "year")


def _rows():
    from portal.catalogue.models import Product, ProductState

    return select(Product).where(Product.state == ProductState.APPROVED)


def _visible(product) -> bool:
    from portal.catalogue.models import ProductState

    return product.state == ProductState.APPROVED


def product_document(product) -> dict:
    return {
        "id": str(product.id),
        "name": product.name,
        "model": product.model or "",
        "company": product.organization.name,
        # The 领域 and 类别 labels, so a category word finds products whose own text never says it.
        "tags": " ".join((_product_tags(product.sector, product.product_type, product.level, product.district or ""),
                          _category_words(product.category or ""))),
        "body": "\n".join(filter(None, (product.description, product.specs, product.cases))),
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


@functools.lru_cache(maxsize=256)
def _category_words(code: str) -> str:
    """The 类别's labels in Chinese and English (the sector's are among the tags already)."""
    from portal.catalogue.classify import category

    found = category(code) if code else None
    return f"{found.label} {found.label_en}" if found is not None else ""


def _public_ids():
    from portal.catalogue.models import Product, ProductState

    return select(Product.id).where(Product.state == ProductState.APPROVED)


def _text_columns() -> list:
    """What the index's text fields hold (but the category labels): the name, model, company and texts."""
    from portal.accounts.models import Organization
    from portal.catalogue.models import Product

    return [Product.name, Product.model, Linked(Product.organization_id, Organization.id, Organization.name),
            Product.description, Product.specs, Product.cases]


def _newest_first() -> list:
    from portal.catalogue.models import Product

    return [Product.year.desc(), Product.approved_at.desc(), Product.id.desc()]


def _column_is(name: str, make=str):
    """The SQL condition for a facet filter: the column holds the value (a value it cannot hold matches nothing)."""

    def condition(value):
        from portal.catalogue.queries import COLUMNS

        try:
            return COLUMNS[name] == make(value)
        except ValueError:
            return false()

    return condition


def _typed(enum_name: str):
    def make(value):
        from portal.catalogue import models

        return getattr(models, enum_name)(value)

    return make


# While a node has no index, a search is a substring match of these columns (portal/search/database_fallback.py).
DATABASE = search.DatabaseText(
    ids=_public_ids, columns=_text_columns, order=_newest_first,
    filters={"type": _column_is("type", _typed("ProductType")), "sector": _column_is("sector"),
             "level": _column_is("level", _typed("Level")), "district": _column_is("district"),
             "year": _column_is("year", int)})

PRODUCTS = search.DocumentType(
    kind=PRODUCT, index="products", fields=FIELDS, label=_l("产品"), rows=_rows, visible=_visible,
    document=product_document,
    filters={"type": facet("type"), "sector": facet("sector"), "level": facet("level"),
             "district": facet("district"), "year": number("year")},
    database=DATABASE)


def shipped_thesaurus() -> list:
    """The catalogue's thesaurus file (category words, abbreviations, translations, variants), read and checked
    by the catalogue's own loader and handed to search in its terms."""
    from portal.catalogue import thesaurus
    from portal.search.thesaurus import Entry, check

    entries = []
    for position, raw in enumerate(thesaurus.load(), start=1):
        entry = check(raw.term, raw.expands, raw.kind, f"{THESAURUS_FILE.name} 第 {position} 个词条")
        entries.append(Entry(entry.term, entry.expands, entry.kind, raw.source))
    return entries


def category_thesaurus() -> list:
    """Each keyword of a 类别 (taxonomy.toml, from the same public directories) finds the products classified
    in that 类别, through its label, one way and at a hypernym's weight: a buyer's 光伏 finds 发电装备 products
    whose names say TOPCon电池组件, below the products that say 光伏. Keywords of one character (泵, 仪) are
    too broad for this."""
    from portal.catalogue.classify import taxonomy
    from portal.search.thesaurus import Entry

    return [Entry(keyword, (category.label,), "hypernym", category.source, both_ways=False)
            for category in taxonomy() for keyword in category.keywords
            if len(keyword) > 1 and keyword != category.label]


def register() -> None:
    search.register(PRODUCTS)
    search.use_thesaurus("catalogue", lambda: shipped_thesaurus() + category_thesaurus())

"""Approved capabilities, as search documents (registered with portal.search at set-up).

They go through the same engine and thesaurus as products and scenarios, on either backend.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, select

from portal import search
from portal.search.registry import BIGRAMS, FACET, NUMBER, PAIRS, STORED, WORDS, Field, Linked, facet

CAPABILITY = "capability"

FIELDS = (
    Field("id", FACET, stored=True),
    Field("title", WORDS, 6.0, stored=True, expanded=True, title=True),
    Field("title_bi", BIGRAMS, 4.0, of="title"),
    Field("company", WORDS, 3.0, stored=True, phrase=False),
    # The 领域, 技术领域 and maturity labels: a category word finds capabilities whose text never says it.
    Field("tags", WORDS, 1.5, phrase=False, expanded=True),
    Field("body", WORDS, 1.0, phrase=False, pairs="body_pairs", expanded=False),
    Field("body_pairs", PAIRS),
    Field("summary", STORED),
    Field("sector", FACET, stored=True),
    Field("field", FACET, stored=True),
    Field("maturity", FACET, stored=True),
    Field("year", NUMBER, stored=True),
)
# The filters the index holds; the districts served (several per capability) are filtered in the database.
FILTERS = ("sector", "field", "maturity")


def _rows():
    from portal.capabilities.models import Capability, CapabilityState

    return select(Capability).where(Capability.state == CapabilityState.APPROVED)


def _visible(capability) -> bool:
    return capability.is_public


def _tags(capability) -> str:
    from portal.catalogue.classify import category

    found = category(capability.field)
    words = [capability.sector_label, str(capability.maturity.label)]
    if found is not None:
        words += [found.label, found.label_en]
    words += capability.district_labels
    return " ".join(words)


def capability_document(capability) -> dict:
    products = " ".join(p.name for p in capability.products)
    return {
        "id": str(capability.id),
        "title": capability.title,
        "company": capability.organization.name,
        "tags": _tags(capability),
        "body": "\n".join(filter(None, (capability.summary, capability.cases, products))),
        "summary": capability.summary or "",
        "sector": capability.sector,
        "field": capability.field,
        "maturity": capability.maturity.value,
        "year": (capability.approved_at or capability.created_at).year,
    }


def _public_ids():
    from portal.capabilities.models import Capability, CapabilityState

    return select(Capability.id).where(Capability.state == CapabilityState.APPROVED)


def _text_columns() -> list:
    from portal.accounts.models import Organization
    from portal.capabilities.models import Capability

    return [Capability.title, Linked(Capability.organization_id, Organization.id, Organization.name),
            Capability.summary, Capability.cases]


def _newest_first() -> list:
    from portal.capabilities.models import Capability

    return [Capability.approved_at.desc(), Capability.id.desc()]


def _column_is(name: str, make=str):
    def condition(value):
        from portal.capabilities.models import Capability

        try:
            return getattr(Capability, name) == make(value)
        except ValueError:
            return false()

    return condition


def _maturity(value):
    from portal.capabilities.models import Maturity

    return Maturity(value)


# While a node has no index, a search is a substring match of these columns (portal/search/database_fallback.py).
DATABASE = search.DatabaseText(
    ids=_public_ids, columns=_text_columns, order=_newest_first,
    filters={"sector": _column_is("sector"), "field": _column_is("field"),
             "maturity": _column_is("maturity", _maturity)})

CAPABILITIES = search.DocumentType(
    kind=CAPABILITY, index="capabilities", fields=FIELDS, label=_l("能力"), rows=_rows, visible=_visible,
    document=capability_document,
    filters={"sector": facet("sector"), "field": facet("field"), "maturity": facet("maturity")},
    database=DATABASE)


def register() -> None:
    search.register(CAPABILITIES)

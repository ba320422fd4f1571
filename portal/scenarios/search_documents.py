"""Published scenarios, as search documents (registered with portal.search at set-up)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from portal import search
from portal.search.registry import BIGRAMS, FACET, NUMBER, PAIRS, STORED, WORDS, Field, Linked, Range, facet
from portal.util import clock

SCENARIO = "scenario"

FIELDS = (
    Field("id", FACET, stored=True),
    Field("title", WORDS, 6.0, stored=True, expanded=True, title=True),
    Field("title_bi", BIGRAMS, 4.0, of="title"),
    Field("company", WORDS, 3.0, stored=True, phrase=False),  # the owner department, under the products' name
    Field("tags", WORDS, 1.5, phrase=False),
    Field("body", WORDS, 1.0, phrase=False, pairs="body_pairs", expanded=True),
    Field("body_pairs", PAIRS),
    Field("description", STORED),
    Field("sector", FACET, stored=True),
    Field("district", FACET, stored=True),
    # Seconds since the epoch: open scenarios are those whose deadline is still ahead.
    Field("deadline", NUMBER, stored=True, ranged=True),
    Field("year", NUMBER, stored=True),
)


def _rows():
    from portal.scenarios.models import Scenario

    return select(Scenario).where(Scenario.published_at.is_not(None))


def _visible(scenario) -> bool:
    from portal.scenarios.models import ScenarioState

    return scenario.is_public and scenario.batch.is_published and scenario.state != ScenarioState.CANCELLED


def scenario_document(scenario) -> dict:
    from portal.util.text import html_to_text

    text = "\n".join((html_to_text(scenario.description_html), html_to_text(scenario.requirements_html)))
    return {
        "id": str(scenario.id),
        "title": scenario.title,
        "company": scenario.department.name,
        "tags": " ".join(str(label) for label in (scenario.sector_label, scenario.district_label)),
        "body": text,
        "description": text[:2000],
        "sector": scenario.sector,
        "district": scenario.district,
        "deadline": int(scenario.deadline.timestamp()) if scenario.deadline else 0,
        "year": (scenario.published_at or scenario.created_at).year,
    }


def _open(value):
    """Scenarios still open for proposals: the deadline is ahead (read at the time of the search)."""
    return Range("deadline", int(clock.now().timestamp()) + 1, None) if value else None


def _public_ids():
    """The ids of the scenarios `_visible` keeps."""
    from portal.scenarios.models import Batch, BatchState, Scenario, ScenarioState

    published = exists(select(Batch.id).where(Batch.id == Scenario.batch_id, Batch.state == BatchState.PUBLISHED))
    return select(Scenario.id).where(Scenario.published_at.is_not(None), published,
                                     Scenario.state != ScenarioState.CANCELLED)


def _text_columns() -> list:
    """The title, the department and the texts as written (their HTML: a word is found in it all the same)."""
    from portal.accounts.models import Organization
    from portal.scenarios.models import Scenario

    return [Scenario.title, Linked(Scenario.department_id, Organization.id, Organization.name),
            Scenario.description_html, Scenario.requirements_html]


def _newest_first() -> list:
    from portal.scenarios.models import Scenario

    return [Scenario.published_at.desc(), Scenario.id.desc()]


def _column_is(name: str):
    def condition(value):
        from portal.scenarios.models import Scenario

        return getattr(Scenario, name) == str(value)

    return condition


def _open_now(value):
    """The database's `open`: proposals are still taken (as the scenario pages say it)."""
    from portal.scenarios.models import Scenario

    return Scenario.is_open_clause() if value else None


# While a node has no index, a search is a substring match of these columns (portal/search/database_fallback.py).
DATABASE = search.DatabaseText(
    ids=_public_ids, columns=_text_columns, order=_newest_first,
    filters={"sector": _column_is("sector"), "district": _column_is("district"), "open": _open_now})

SCENARIOS = search.DocumentType(
    kind=SCENARIO, index="scenarios", fields=FIELDS, label=_l("场景"), rows=_rows, visible=_visible,
    document=scenario_document,
    filters={"sector": facet("sector"), "district": facet("district"), "open": _open},
    database=DATABASE)


def register() -> None:
    search.register(SCENARIOS)

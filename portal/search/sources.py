"""Documents read from the domains' rows, through the document types they registered."""

from collections.abc import Iterable, Iterator

from flask_babel import force_locale
from sqlalchemy import func, select

from portal.extensions import db
from portal.search import registry


def _entity(stmt):
    return stmt.column_descriptions[0]["entity"]


def documents(kind: str, ids: Iterable[int]) -> dict[int, dict | None]:
    """{id: document}, None for a row that is gone, not in the type's rows or not visible."""
    doctype = registry.get(kind)
    ids = sorted(set(ids))
    stmt = doctype.rows()
    rows = {row.id: row for row in db.session.scalars(stmt.where(_entity(stmt).id.in_(ids)))}
    # Documents are always built in the index's language, whoever asked.
    with force_locale("zh_CN"):
        return {i: doctype.document(rows[i]) if i in rows and doctype.visible(rows[i]) else None for i in ids}


def count(kind: str) -> int:
    stmt = registry.get(kind).rows()
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


def every_document(kind: str) -> Iterator[dict | None]:
    """Every row of the type, in id order, as a document (None when not visible)."""
    doctype = registry.get(kind)
    stmt = doctype.rows().order_by(_entity(doctype.rows()).id)
    with force_locale("zh_CN"):
        for row in db.session.scalars(stmt.execution_options(yield_per=1000)):
            yield doctype.document(row) if doctype.visible(row) else None

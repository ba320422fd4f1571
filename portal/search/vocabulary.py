"""The words a search expands: the domains' shipped thesauri, the synonym tables (shipped and the administrators'
同义词表) and the administrators' thesaurus entries, kept in the database and merged once per version.

The file formats and the merging rules are thesaurus.py's and synonyms.py's; this module stores and caches.
"""

import logging
import threading
from collections.abc import Callable

from flask import g, has_request_context
from sqlalchemy import select, update
from sqlalchemy.exc import DatabaseError, IntegrityError

from portal.extensions import db
from portal.search import thesaurus
from portal.search.models import SearchVersion, SynonymTable, ThesaurusEntry
from portal.search.synonyms import table_for
from portal.util import clock

log = logging.getLogger("portal.search")

_providers: dict[str, Callable[[], list[thesaurus.Entry]]] = {}
_merged: list = [None, thesaurus.EMPTY]
_merged_lock = threading.Lock()
THESAURUS = "thesaurus"


def use_thesaurus(name: str, provider: Callable[[], list[thesaurus.Entry]]) -> None:
    """Add a domain's shipped thesaurus (called at set-up; `provider()` is read once per version)."""
    _providers[name] = provider


def _version() -> int:
    if has_request_context() and "search_thesaurus_version" in g:
        return g.search_thesaurus_version
    version = db.session.scalar(select(SearchVersion.version).where(SearchVersion.name == THESAURUS)) or 0
    if has_request_context():
        g.search_thesaurus_version = version
    return version


def current_thesaurus() -> thesaurus.Thesaurus:
    """The shipped entries, the synonym tables (shipped and the administrators') and the administrators'
    entries, merged; re-read when the shipped file changes or the database version moves (an entry added or
    the synonym table saved on any node)."""
    version = _version()
    synonyms = table_for(_synonym_text(version))
    stamp = (synonyms, version, tuple(_providers.items()))
    if _merged[0] == stamp:
        return _merged[1]
    with _merged_lock:
        entries = thesaurus.from_synonyms(synonyms)
        for name, provider in _providers.items():
            try:
                entries += provider()
            except (OSError, thesaurus.ThesaurusError):
                log.exception("thesaurus %s could not be read; searching without it", name)
        for row in db.session.scalars(select(ThesaurusEntry).order_by(ThesaurusEntry.id)):
            if row.kind in thesaurus.BOOSTS and row.expansions:
                entries.append(thesaurus.Entry(row.term, tuple(row.expansions), row.kind, row.source))
        _merged[:] = [stamp, thesaurus.Thesaurus(entries)]
        return _merged[1]


_synonyms_read: list = [None, ""]  # [the thesaurus version it was read at, the administrators' synonym text]


def _synonym_text(version: int) -> str:
    """The administrators' synonym table, read from the database once per thesaurus version."""
    if _synonyms_read[0] != version:
        row = synonym_table()
        _synonyms_read[:] = [version, row.text if row is not None else ""]
    return _synonyms_read[1]


def forget_cached_thesaurus() -> None:
    """Drop this process's merged thesaurus and synonym text (a test whose rows were rolled back reuses a
    version number another test's rows had)."""
    _merged[:] = [None, thesaurus.EMPTY]
    _synonyms_read[:] = [None, ""]


SYNONYM_TABLE_ID = 1  # the one row


def synonym_table() -> SynonymTable | None:
    """The administrators' synonym table (its text, when and by whom it was saved); None before the first save."""
    return db.session.get(SynonymTable, SYNONYM_TABLE_ID)


def save_synonym_table(text: str, by_id: int | None) -> SynonymTable:
    """Replace the administrators' synonym table (the caller has checked it with `synonyms.parse`, audits and
    commits); every node's next search uses it."""
    row = synonym_table()
    if row is None:
        row = create_synonym_table(text, by_id)
        if row is not None:
            return row
        row = synonym_table()  # stored by another transaction meanwhile: this save replaces it
    row.text, row.updated_at, row.updated_by_id = text, clock.now(), by_id
    _bump(THESAURUS)
    db.session.flush()
    return row


def create_synonym_table(text: str, by_id: int | None) -> SynonymTable | None:
    """Store the first synonym table; None when another transaction stored one first (the caller audits and
    commits)."""
    try:
        with db.session.begin_nested():
            row = SynonymTable(id=SYNONYM_TABLE_ID, text=text, updated_at=clock.now(), updated_by_id=by_id)
            db.session.add(row)
    except IntegrityError:
        return None
    _bump(THESAURUS)
    db.session.flush()
    return row


def thesaurus_version() -> int:
    """The "thesaurus" counter now (0 when it is not there, as in a database not yet migrated)."""
    try:
        with db.session.begin_nested():
            return db.session.scalar(select(SearchVersion.version).where(SearchVersion.name == THESAURUS)) or 0
    except DatabaseError:
        return 0


def move_thesaurus_version_past(version: int) -> None:
    """Set the "thesaurus" counter above both `version` and its value now: after a restore replaced the
    database, a node that had read the thesaurus at any version up to `version` reads it afresh."""
    target = max(version, thesaurus_version()) + 1
    if not db.session.execute(
        update(SearchVersion).where(SearchVersion.name == THESAURUS).values(version=target)
    ).rowcount:
        db.session.add(SearchVersion(name=THESAURUS, version=target))
    db.session.flush()


def thesaurus_entries() -> list[ThesaurusEntry]:
    return list(db.session.scalars(select(ThesaurusEntry).order_by(ThesaurusEntry.term, ThesaurusEntry.id)))


def add_thesaurus_entry(term: str, expands: list[str], kind: str, source: str = "") -> ThesaurusEntry:
    """Add an administrator's entry (ThesaurusError when it is unusable); the caller audits and commits."""
    entry = thesaurus.check(term, expands, kind)
    row = ThesaurusEntry(
        term=entry.term,
        expands="\n".join(entry.expands),
        kind=entry.kind,
        source=(source or "").strip()[:200],
        created_at=clock.now(),
    )
    db.session.add(row)
    _bump(THESAURUS)
    db.session.flush()
    return row


def delete_thesaurus_entry(entry_id: int) -> ThesaurusEntry | None:
    """Remove an administrator's entry; None when there is no such entry."""
    row = db.session.get(ThesaurusEntry, entry_id)
    if row is not None:
        db.session.delete(row)
        _bump(THESAURUS)
        db.session.flush()
    return row


def _bump(name: str) -> None:
    raised = db.session.execute(
        update(SearchVersion).where(SearchVersion.name == name).values(version=SearchVersion.version + 1)
    ).rowcount
    if not raised:
        db.session.add(SearchVersion(name=name, version=1))
    if has_request_context():
        g.pop("search_thesaurus_version", None)

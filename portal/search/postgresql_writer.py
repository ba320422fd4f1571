"""The PostgreSQL backend's writing side: documents as weighted tsvector rows of `search_documents`,
written in the caller's transaction, and the version every writing transaction gives the documents.

A document is analysed here by the same analyzers as the Whoosh index and stored as lexemes named by
their field ("name:红外", "name_bi:热像", "sector=special_imaging"); see postgresql_backend.py.
"""

import json

from flask import current_app, has_app_context
from sqlalchemy import delete, event, text
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.search import registry, sources
from portal.search.analysis import _bigram_tokens, clean, exact_form, segment, word_pairs
from portal.search.models import SearchDocument
from portal.search.registry import BIGRAMS, EXACT, FACET, NUMBER, PAIRS, STORED, WORDS

MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
MAX_POSITIONS = 255  # positions kept per lexeme (PostgreSQL keeps 256)
MAX_LEXEME_BYTES = 2000  # PostgreSQL refuses lexemes over 2046 bytes

# The version of the documents: a token (the writing transaction's id) set by every transaction that
# writes documents, under the row's lock, so two transactions never commit the same one.
VERSION = "documents"
VERSION_SQL = "SELECT version FROM search_versions WHERE name = 'documents'"
WROTE = "search_documents_written"  # session.info: this transaction wrote documents
COLUMNS = ("kind", "object_id", "tsv", "stored", "numbers")
UPSERT = text("INSERT INTO search_documents (kind, object_id, tsv, stored, numbers) "
              "VALUES (:kind, :object_id, CAST(:tsv AS tsvector), CAST(:stored AS json), CAST(:numbers AS json)) "
              "ON CONFLICT (kind, object_id) DO UPDATE SET tsv = excluded.tsv, stored = excluded.stored, "
              "numbers = excluded.numbers")


def _weight_class(weight: float) -> str:
    return "A" if weight >= 6 else "B" if weight >= 3 else "C" if weight >= 1.5 else "D"


def quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _positional(f: registry.Field) -> bool:
    """Whether a query may look for the field's terms in place (a Phrase: words of a phrase field, bigrams);
    the other lexemes are stored without positions, so without a weight class either."""
    return f.kind == BIGRAMS or (f.kind == WORDS and f.phrase)


def lexemes(doctype: registry.DocumentType, document: dict) -> dict[str, list[str]]:
    """{lexeme: [position and weight class, as in a tsvector]} of a document, as the Whoosh schema would
    index it; no positions for a lexeme no phrase looks up."""
    out: dict[str, list[str]] = {}
    pairs_of = {f.pairs: f.name for f in doctype.fields if f.pairs}
    for f in doctype.fields:
        source = f.of if f.kind in (BIGRAMS, EXACT) and f.of else pairs_of.get(f.name) if f.kind == PAIRS else f.name
        value = document.get(f.name, document.get(source) if source else None)
        if value is None or f.kind == STORED:
            continue
        if f.name == "id":
            out[f"id:{value}"] = []
            continue
        if f.kind in (FACET, NUMBER):  # a value to filter on: a Match is one lexeme
            out[f"{f.name}={value}"] = []
            continue
        if f.kind == WORDS:
            tokens = ((word.lower(), pos) for word, pos, _s, _e in segment(str(value)))
        elif f.kind == BIGRAMS:
            tokens = ((gram, pos) for gram, pos, _s, _e in _bigram_tokens(clean(str(value))))
        elif f.kind == PAIRS:
            tokens = ((pair, pos) for pair, pos, _s, _e in word_pairs(str(value)))
        elif f.kind == EXACT:
            tokens = iter([(exact_form(str(value)) or "-", 0)])
        else:
            continue
        prefix = f"{f.name}:"
        if not _positional(f):
            for term, _pos in tokens:
                out.setdefault(prefix + term, [])
            continue
        weight = _weight_class(f.weight).replace("D", "")
        for term, pos in tokens:
            places = out.get(prefix + term)
            if places is None:
                places = out[prefix + term] = []
            if len(places) < MAX_POSITIONS:
                places.append(f"{min(pos + 1, MAX_POSITION)}{weight}")
    # A run of letters that long is no word anyone searches for (and PostgreSQL refuses such a lexeme).
    for lexeme in [x for x in out if len(x) > MAX_LEXEME_BYTES // 4
                   and len(x.encode("utf-8", "replace")) > MAX_LEXEME_BYTES]:
        del out[lexeme]
    return out


def tsvector_literal(found: dict[str, list[str]]) -> str:
    """The tsvector's text (PostgreSQL sorts the lexemes and their positions, and drops repeated ones)."""
    return " ".join(quote(lexeme) + (":" + ",".join(places) if places else "") for lexeme, places in found.items())


def rows(kind: str, documents: list[dict]):
    """The documents as rows of search_documents (COLUMNS), vectors and JSON as text."""
    doctype = registry.get(kind)
    numbers = [f.name for f in doctype.fields if f.kind == NUMBER]
    stored = [f.name for f in doctype.fields if f.stored or f.kind == STORED]
    for document in documents:
        ident = int(document["id"])
        yield (kind, ident, tsvector_literal(lexemes(doctype, document)),
               json.dumps({name: document.get(name) for name in stored if name in document} | {"id": str(ident)},
                          ensure_ascii=False, default=str),
               json.dumps({name: document.get(name) for name in numbers if document.get(name) is not None},
                          default=str))


def index(kind: str, documents: list[dict]) -> None:
    """Write (insert or replace) documents of a kind, in the caller's transaction."""
    if not documents:
        return
    found = [dict(zip(COLUMNS, row, strict=True)) for row in rows(kind, documents)]
    new_version()
    db.session.execute(UPSERT, found)


def copy(kind: str, documents: list[dict]) -> None:
    """Add documents of a kind just emptied by this transaction (a rebuild), through COPY."""
    new_version()
    with db.session.connection().connection.driver_connection.cursor() as cursor, \
            cursor.copy(f"COPY search_documents ({', '.join(COLUMNS)}) FROM STDIN") as out:
        for row in rows(kind, documents):
            out.write_row(row)


def delete_documents(kind: str, ids: list[int]) -> None:
    if ids:
        new_version()
        db.session.execute(delete(SearchDocument).where(SearchDocument.kind == kind,
                                                        SearchDocument.object_id.in_(list(ids))))


def apply(changes: dict[str, set[int]]) -> None:
    """Write the current documents of the changed rows (deleting those gone or no longer visible)."""
    for kind, ids in changes.items():
        if kind not in registry.kinds():
            continue
        documents = sources.documents(kind, ids)
        delete_documents(kind, [i for i, d in documents.items() if d is None])
        index(kind, [d for d in documents.values() if d is not None])


def new_version() -> None:
    """Give the documents a new version, once per transaction, before it writes any: the row stays locked
    until the transaction ends, so versions are set in commit order, and a process keeps its bitsets
    only for a version no transaction can still change."""
    if db.session.info.get(WROTE):
        return
    db.session.info[WROTE] = True
    db.session.execute(text("INSERT INTO search_versions (name, version) VALUES (:name, txid_current() % 2147483647) "
                            "ON CONFLICT (name) DO UPDATE SET version = excluded.version"), {"name": VERSION})


def note_change(kind: str, object_id: int) -> None:
    """Remember, in the session, a change to write before the transaction commits."""
    db.session.info.setdefault("search_changes", set()).add((kind, object_id))


@event.listens_for(Session, "before_commit")
def _write_changes(session):
    changes = session.info.pop("search_changes", None)
    if not changes or not has_app_context() or current_app.config.get("SEARCH_BACKEND") != "postgresql":
        return
    wanted: dict[str, set[int]] = {}
    for kind, object_id in changes:
        wanted.setdefault(kind, set()).add(object_id)
    session.flush()
    apply(wanted)
    session.flush()


@event.listens_for(Session, "after_commit")
def _written(session):
    session.info.pop(WROTE, None)


@event.listens_for(Session, "after_soft_rollback")
def _savepoint_rolled_back(session, _previous):
    session.info.pop(WROTE, None)  # the version may have been set in it: set it again (same value) if needed


@event.listens_for(Session, "after_rollback")
def _forget_changes(session):
    session.info.pop("search_changes", None)
    session.info.pop(WROTE, None)

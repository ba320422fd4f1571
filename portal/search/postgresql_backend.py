"""The PostgreSQL backend (SEARCH_BACKEND=postgresql): documents in one table, a weighted tsvector with a GIN
index, written in the same transaction as the change — no index per node, nothing to keep in step.

Text is analysed here, in Python, by the same analyzers as the Whoosh index (jieba words with their
positions, bigrams, word pairs), and stored as lexemes named by their field ("name:红外", "name_bi:热像",
"sector=special_imaging"), so a plan's clause is a tsquery of the very terms Whoosh would look up:
a Term is a lexeme, Terms an `&`, a Phrase `<->`, a Prefix `:*`. Each lexeme carries its field's weight
class (weight ≥ 6 → A, ≥ 3 → B, ≥ 1.5 → C, else D). The ranking is Whoosh's, computed in SQL: a clause
weighs boost × idf (log(N / (df + 1)) + 1), a document the sum of the clauses it matches; documents with
every unit first, then by the idf of the units they hold.

Not yet done: `related` (matchmaking) answers from the same table with the key terms of the text by
frequency × idf, without Whoosh's key-term model; no measurements at 100 000 documents yet.
"""

import math
from collections import Counter

from flask import current_app, has_app_context
from sqlalchemy import delete, event, func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.search import plan as p
from portal.search import registry, sources
from portal.search.analysis import _bigram_tokens, clean, exact_form, segment, word_pairs
from portal.search.backends import Found
from portal.search.models import SearchDocument
from portal.search.registry import BIGRAMS, EXACT, FACET, NUMBER, PAIRS, STORED, WORDS, Match, Range

MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
MAX_POSITIONS = 255  # positions kept per lexeme (PostgreSQL keeps 256)
MAX_LEXEME_BYTES = 2000  # PostgreSQL refuses lexemes over 2046 bytes


def _weight_class(weight: float) -> str:
    return "A" if weight >= 6 else "B" if weight >= 3 else "C" if weight >= 1.5 else "D"


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def lexemes(doctype: registry.DocumentType, document: dict) -> dict[str, set[tuple[int, str]]]:
    """{lexeme: {(position, weight class)}} of a document, as the Whoosh schema would index it."""
    out: dict[str, set[tuple[int, str]]] = {}
    pairs_of = {f.pairs: f.name for f in doctype.fields if f.pairs}

    def add(field: str, term: str, pos: int, weight: str):
        lexeme = f"{field}:{term}"
        if len(lexeme.encode("utf-8", "replace")) > MAX_LEXEME_BYTES:
            return  # a run of letters that long is no word anyone searches for
        places = out.setdefault(lexeme, set())
        if len(places) < MAX_POSITIONS:
            places.add((min(pos + 1, MAX_POSITION), weight))

    for f in doctype.fields:
        source = f.of if f.kind in (BIGRAMS, EXACT) and f.of else pairs_of.get(f.name) if f.kind == PAIRS else f.name
        value = document.get(f.name, document.get(source) if source else None)
        if value is None or f.kind == STORED:
            continue
        weight = _weight_class(f.weight)
        if f.name == "id":
            add("id", str(value), 0, "D")
        elif f.kind == WORDS:
            for word, pos, _s, _e in segment(str(value)):
                add(f.name, word.lower(), pos, weight)
        elif f.kind == BIGRAMS:
            for gram, pos, _s, _e in _bigram_tokens(clean(str(value))):
                add(f.name, gram, pos, weight)
        elif f.kind == PAIRS:
            for pair, pos, _s, _e in word_pairs(str(value)):
                add(f.name, pair, pos, weight)
        elif f.kind == EXACT:
            add(f.name, exact_form(str(value)) or "-", 0, weight)
        elif f.kind == FACET:
            out.setdefault(f"{f.name}={value}", set()).add((1, "D"))
    return out


def tsvector_literal(found: dict[str, set[tuple[int, str]]]) -> str:
    parts = []
    for lexeme, places in sorted(found.items()):
        positions = ",".join(f"{pos}{'' if weight == 'D' else weight}" for pos, weight in sorted(places))
        parts.append(f"{_quote(lexeme)}:{positions}")
    return " ".join(parts)


def tsquery(q) -> str:
    """The tsquery text of a plan leaf, a Unit or a Match on a facet."""
    if isinstance(q, p.Term):
        return _quote(f"{q.field}:{q.text}")
    if isinstance(q, p.Terms):
        return "(" + " & ".join(_quote(f"{q.field}:{t}") for t in q.texts) + ")"
    if isinstance(q, p.Phrase):
        return "(" + " <-> ".join(_quote(f"{q.field}:{w}") for w in q.words) + ")"
    if isinstance(q, p.Prefix):
        return _quote(f"{q.field}:{q.text}") + ":*"
    if isinstance(q, p.Unit):
        return "(" + " | ".join(tsquery(c) for c in q.clauses + q.also) + ")"
    if isinstance(q, Match):
        return _quote(f"{q.field}={q.value}")
    raise TypeError(f"not a search clause: {q!r}")


class PostgresBackend:
    name = "postgresql"

    # --- writing: in the caller's transaction ------------------------------------------------------

    def index(self, kind: str, documents: list[dict]) -> None:
        doctype = registry.get(kind)
        numbers = [f.name for f in doctype.fields if f.kind == NUMBER]
        stored = [f.name for f in doctype.fields if f.stored or f.kind == STORED]
        for document in documents:
            ident = int(document["id"])
            row = {"kind": kind, "object_id": ident,
                   "tsv": func.cast(tsvector_literal(lexemes(doctype, document)), postgresql.TSVECTOR),
                   "stored": {name: document.get(name) for name in stored if name in document} | {"id": str(ident)},
                   "numbers": {name: document.get(name) for name in numbers if document.get(name) is not None}}
            statement = postgresql.insert(SearchDocument).values(**row)
            db.session.execute(statement.on_conflict_do_update(
                index_elements=["kind", "object_id"],
                set_={"tsv": statement.excluded.tsv, "stored": statement.excluded.stored,
                      "numbers": statement.excluded.numbers}))

    def delete(self, kind: str, ids: list[int]) -> None:
        if ids:
            db.session.execute(delete(SearchDocument).where(SearchDocument.kind == kind,
                                                            SearchDocument.object_id.in_(list(ids))))

    def apply(self, changes: dict[str, set[int]]) -> None:
        for kind, ids in changes.items():
            if kind not in registry.kinds():
                continue
            documents = sources.documents(kind, ids)
            self.delete(kind, [i for i, d in documents.items() if d is None])
            self.index(kind, [d for d in documents.values() if d is not None])

    def sync(self, timeout: float | None = None) -> int:
        return 0  # every change is written by the transaction that made it (see install())

    def rebuild(self, progress=None, only_if_missing: bool = False) -> dict[str, int]:
        if only_if_missing and db.session.scalar(select(func.count()).select_from(SearchDocument)):
            return {}
        counts = {}
        for doctype in registry.types():
            db.session.execute(delete(SearchDocument).where(SearchDocument.kind == doctype.kind))
            total, done, batch = sources.count(doctype.kind), 0, []
            for document in sources.every_document(doctype.kind):
                done += 1
                if document is not None:
                    batch.append(document)
                if len(batch) >= 500:
                    self.index(doctype.kind, batch)
                    batch = []
                if progress and (done % 1000 == 0 or done == total):
                    progress(doctype.kind, done, total)
            self.index(doctype.kind, batch)
            counts[doctype.kind] = done
        return counts

    # --- reading -----------------------------------------------------------------------------------

    def _where(self, kind: str, conditions: list):
        clauses, params = ["kind = :kind"], {"kind": kind}
        doctype = registry.get(kind)
        for n, condition in enumerate(conditions):
            field = doctype.field(condition.field)
            if isinstance(condition, Match) and field is not None and field.kind == FACET:
                clauses.append(f"tsv @@ CAST(:cond{n} AS tsquery)")
                params[f"cond{n}"] = tsquery(condition)
            elif isinstance(condition, Match):
                clauses.append(f"(numbers ->> :name{n})::bigint = :cond{n}")
                params.update({f"name{n}": condition.field, f"cond{n}": int(condition.value)})
            elif isinstance(condition, Range):
                if condition.low is not None:
                    clauses.append(f"(numbers ->> :name{n})::bigint >= :low{n}")
                    params[f"low{n}"] = condition.low
                if condition.high is not None:
                    clauses.append(f"(numbers ->> :name{n})::bigint <= :high{n}")
                    params[f"high{n}"] = condition.high
                params[f"name{n}"] = condition.field
        return " AND ".join(clauses), params

    def _size(self, kind: str) -> int:
        return db.session.scalar(select(func.count()).select_from(SearchDocument)
                                 .where(SearchDocument.kind == kind)) or 0

    def _frequencies(self, kind: str, queries: list[str]) -> list[int]:
        """How many documents of `kind` match each tsquery (one scan of the documents matching any)."""
        if not queries:
            return []
        params = {"kind": kind, "any": " | ".join(queries)} | {f"q{i}": q for i, q in enumerate(queries)}
        counts = ", ".join(f"count(*) FILTER (WHERE tsv @@ CAST(:q{i} AS tsquery))" for i in range(len(queries)))
        return list(db.session.execute(text(f"SELECT {counts} FROM search_documents WHERE kind = :kind "  # noqa: S608 -- placeholders only; values are bound
                                            "AND tsv @@ CAST(:any AS tsquery)"), params).one())

    def search(self, kind: str, plan: p.Plan, conditions: list, offset: int, limit: int,
               sort: str = "relevance", expansions: bool = False) -> Found:
        where, params = self._where(kind, conditions)
        units = [tsquery(u) for u in plan.units]
        scored = plan.scored()
        clauses = [tsquery(c) for c in scored]
        params.update({f"u{i}": q for i, q in enumerate(units)})
        params.update({f"c{i}": q for i, q in enumerate(clauses)})
        params["any"] = " | ".join(units)
        params["every"] = " & ".join(units)
        match = "tsv @@ CAST(:any AS tsquery)"
        counting = ("SELECT count(*), count(*) FILTER (WHERE tsv @@ CAST(:every AS tsquery)) "  # noqa: S608
                    f"FROM search_documents WHERE {where} AND {match}")  # placeholders only; values are bound
        total, full_total = db.session.execute(text(counting), params).one()
        found = Found([], total, full_total)
        if not total or offset >= total or limit <= 0:
            return found
        # Whoosh's weights: a clause weighs boost × the idf of each of its terms, over the whole collection.
        terms = {c: _terms(c) for c in scored}
        lexicon = list(dict.fromkeys(t for found_terms in terms.values() for t in found_terms))
        size = self._size(kind)
        frequencies = self._frequencies(kind, [_quote(t) for t in lexicon] + units)
        idf = {t: _idf(size, df) for t, df in zip(lexicon, frequencies, strict=False)}
        weights = [c.boost if isinstance(c, p.Prefix) else c.boost * sum(idf[t] for t in terms[c]) for c in scored]
        unit_idf = [math.log(1 + (size - df + 0.5) / (df + 0.5)) for df in frequencies[len(lexicon):]]
        params.update({f"w{i}": w for i, w in enumerate(weights)})
        params.update({f"t{i}": w for i, w in enumerate(unit_idf)})
        score = " + ".join(f"CASE WHEN tsv @@ CAST(:c{i} AS tsquery) THEN CAST(:w{i} AS float8) ELSE 0 END"
                           for i in range(len(clauses))) or "0"
        tier = ("0" if len(units) == 1 else
                " + ".join(f"CASE WHEN tsv @@ CAST(:u{i} AS tsquery) THEN CAST(:t{i} AS float8) ELSE 0 END"
                           for i in range(len(units))))
        order = f"round(CAST({tier} AS numeric), 9) DESC, round(CAST({score} AS numeric), 9) DESC, object_id"
        if sort == "year":
            order = "(tsv @@ CAST(:every AS tsquery)) DESC, (numbers ->> 'year')::int DESC NULLS LAST, " + order
        params.update({"limit": limit, "offset": offset})
        paging = (f"SELECT object_id, stored FROM search_documents WHERE {where} AND {match} "  # noqa: S608
                  f"ORDER BY {order} LIMIT :limit OFFSET :offset")  # placeholders only; values are bound
        rows = db.session.execute(text(paging), params).all()
        found.hits = [(row.object_id, dict(row.stored)) for row in rows]
        if expansions and plan.expansions:
            found.matched_expansions = self._useful_expansions(plan, where, params)
        return found

    def _useful_expansions(self, plan: p.Plan, where: str, params: dict) -> tuple[str, ...]:
        added = {c for e in plan.expansions for c in e.clauses}
        own = {}
        for unit in plan.units:
            mine = [tsquery(c) for c in unit.clauses if c not in added]
            own[unit.text] = " | ".join(filter(None, [own.get(unit.text), *mine])) if mine else own.get(unit.text)
        every = " & ".join(f"({q})" for q in own.values() if q) or None
        useful = []
        for n, expansion in enumerate(plan.expansions):
            query = " | ".join(tsquery(c) for c in expansion.clauses)
            typed = own.get(expansion.word, every)
            condition = f"tsv @@ CAST(:x{n} AS tsquery)" + (f" AND NOT tsv @@ CAST(:y{n} AS tsquery)" if typed else "")
            found = db.session.execute(text(f"SELECT 1 FROM search_documents WHERE {where} AND {condition} LIMIT 1"),  # noqa: S608 -- placeholders only; values are bound
                                       {**params, f"x{n}": query, f"y{n}": typed}).first()
            if found:
                useful.append(expansion.to)
        return tuple(dict.fromkeys(useful))

    def count(self, kind: str, plan: p.Plan, conditions: list) -> int:
        return self.search(kind, plan, conditions, 0, 0).total

    def related(self, kind: str, text_: str, limit: int, conditions: list) -> list[tuple[int, list[str]]]:
        doctype = registry.get(kind)
        size = self._size(kind)
        words = Counter(w.lower() for w, _p, _s, _e in segment(text_[:5000]) if len(w) > 1)
        if not words or not size:
            return []
        candidates = [w for w, _n in words.most_common(60)]
        frequencies = self._frequencies(kind, [tsquery(p.Term("body", w)) for w in candidates])
        keys = sorted(((w, words[w] * _idf(size, df)) for w, df in zip(candidates, frequencies, strict=True) if df),
                      key=lambda pair: -pair[1])[:12]
        if not keys:
            return []
        where, params = self._where(kind, conditions)
        fields = ((doctype.title.name, 2.0), ("body", 1.0), ("tags", 1.0))
        parts, matched = [], []
        for n, (word, weight) in enumerate(keys):
            either = []
            for field, boost in fields:
                params[f"k{n}{field}"] = tsquery(p.Term(field, word))
                params[f"kw{n}{field}"] = boost * weight
                parts.append(f"CASE WHEN tsv @@ CAST(:k{n}{field} AS tsquery) THEN CAST(:kw{n}{field} AS float8) "
                             "ELSE 0 END")
                either.append(f"tsv @@ CAST(:k{n}{field} AS tsquery)")
            matched.append(f"({' OR '.join(either)}) AS m{n}")
        params.update({"anykey": " | ".join(tsquery(p.Term(f, w)) for w, _x in keys for f, _b in fields),
                       "limit": limit})
        ranking = (f"SELECT object_id, {', '.join(matched)} FROM search_documents WHERE {where} AND "  # noqa: S608
                   f"tsv @@ CAST(:anykey AS tsquery) ORDER BY {' + '.join(parts)} DESC, object_id LIMIT :limit")
        rows = db.session.execute(text(ranking), params).all()
        return [(row.object_id, [w for n, (w, _x) in enumerate(keys) if row[n + 1]]) for row in rows]

    def remember(self, kind: str, key, compute):
        return compute()

    def applied_up_to(self) -> int | None:
        from portal.search.models import SearchChange

        return db.session.scalar(select(func.max(SearchChange.id))) or 0

    def status(self) -> dict:
        counts = dict(db.session.execute(select(SearchDocument.kind, func.count())
                                         .group_by(SearchDocument.kind)).all())
        return {"built": bool(counts), "cursor": self.applied_up_to(), "built_at": None,
                "documents": {t.index: counts.get(t.kind, 0) for t in registry.types()}}


def _idf(size: int, df: int) -> float:
    """Whoosh's idf: log(N / (df + 1)) + 1."""
    return math.log(size / (df + 1)) + 1 if size else 0.0


def _terms(clause) -> list[str]:
    """The lexemes whose idf a clause sums."""
    if isinstance(clause, p.Term):
        return [f"{clause.field}:{clause.text}"]
    if isinstance(clause, p.Terms):
        return [f"{clause.field}:{t}" for t in clause.texts]
    if isinstance(clause, p.Phrase):
        return [f"{clause.field}:{w}" for w in clause.words]
    return []


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
    PostgresBackend().apply(wanted)
    session.flush()


@event.listens_for(Session, "after_rollback")
def _forget_changes(session):
    session.info.pop("search_changes", None)

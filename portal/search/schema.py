"""The Whoosh schema of each registered document type, and a document as Whoosh is given it.

`current_format()` names the layout: the fields of every registered type (and LAYOUT, for changes made
here). An index written with another one is rebuilt in the background while it keeps answering.
"""

import hashlib

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, Schema

from portal.search import registry
from portal.search.analysis import TermText, bigram_analyzer, chinese_analyzer, exact_form, pair_analyzer
from portal.search.registry import BIGRAMS, EXACT, FACET, NUMBER, PAIRS, WORDS, DocumentType

# 2: long texts without positions, phrases through word pairs; 3: fields from the registry; 4: bigram fields
# also hold the last character of each Chinese run, exact fields letters and digits only.
LAYOUT = "4"


def schema_for(doctype: DocumentType) -> Schema:
    zh = chinese_analyzer()
    fields = {}
    for f in doctype.fields:
        if f.name == "id":
            fields[f.name] = ID(stored=True, unique=True)
        elif f.kind == WORDS:
            fields[f.name] = TermText(analyzer=zh, stored=f.stored, phrase=f.phrase)
        elif f.kind == BIGRAMS:
            fields[f.name] = TermText(analyzer=bigram_analyzer(), stored=f.stored)
        elif f.kind == EXACT:
            fields[f.name] = KEYWORD(lowercase=True, stored=f.stored)
        elif f.kind == PAIRS:
            fields[f.name] = TermText(analyzer=pair_analyzer(), phrase=False)
        elif f.kind == FACET:
            fields[f.name] = ID(stored=f.stored)
        elif f.kind == NUMBER:
            # Filtered by exact value and sorted: one term per document instead of eight, unless it is
            # compared by range (a deadline).
            fields[f.name] = (NUMERIC(stored=f.stored, sortable=True, bits=64) if f.ranged
                              else NUMERIC(stored=f.stored, sortable=True, shift_step=0))
        else:
            fields[f.name] = STORED()
    return Schema(**fields)


def whoosh_document(doctype: DocumentType, document: dict) -> dict:
    """The domain's document with the derived fields filled in: bigrams and exact forms from the field
    they are `of`, word pairs from the field that names them."""
    out = {}
    pairs_of = {f.pairs: f.name for f in doctype.fields if f.pairs}
    for f in doctype.fields:
        value = document.get(f.name)
        if value is None and f.kind in (BIGRAMS, EXACT) and f.of:
            value = document.get(f.of) or ""
        if value is None and f.kind == PAIRS:
            value = document.get(pairs_of.get(f.name, ""), "")
        if f.kind == EXACT:
            value = exact_form(str(value or "")) or "-"
        if value is None:
            continue
        out[f.name] = str(value) if f.name == "id" else value
    return out


_format: list = [None, ""]


def current_format() -> str:
    types = registry.types()
    if _format[0] != types:
        spec = repr([(t.kind, t.index, t.fields) for t in sorted(types, key=lambda t: t.kind)])
        _format[:] = [types, LAYOUT + "-" + hashlib.sha256(spec.encode()).hexdigest()[:12]]
    return _format[1]


def schemas() -> dict:
    return {t.index: (lambda t=t: schema_for(t)) for t in registry.types()}

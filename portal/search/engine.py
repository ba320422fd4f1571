"""From what a person typed to a Whoosh query, and from a stored text to a highlighted snippet.

The query string is never given to Whoosh's parser: its syntax errors would reach the user. Words
are read here instead — quoted phrases, plain words, nothing else — so any input gives a query.
"""

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from markupsafe import Markup, escape
from whoosh import query as wq

from portal.search.analysis import base_words, bigrams, clean, meaningful, phrase_pairs
from portal.search.synonyms import expand

MAX_QUERY_CHARS = 200
MAX_WORDS = 8
_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」|『([^』]*)』')
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})
_EDGE_PUNCT = "!\"#$%&'()*+,/:;<=>?@[\\]^`{|}~，。、；：？！（）【】《》“”‘’·…—"

# How much a match in each field counts: a name match outranks a description match.
WEIGHTS = {"name": 6.0, "name_bi": 4.0, "title": 6.0, "title_bi": 4.0, "model": 2.0, "model_exact": 8.0,
           "company": 3.0, "tags": 1.5, "body": 1.0}
SYNONYM_WEIGHT = 0.6
_CJK_PAIR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2}")


class Or(wq.Or):
    """A tree of union matchers, always: it skips posting blocks that cannot reach the top of the page.
    Whoosh's automatic choice preloads every posting of a segment of up to 5 000 documents instead,
    which a parallel build produces and which made queries twice as slow."""

    matcher_type = wq.Or.DEFAULT_MATCHER


@dataclass(frozen=True)
class Word:
    text: str
    phrase: bool = False


def parse(q: str) -> list[Word]:
    """Split a query string into words and quoted phrases; drop operators, punctuation and noise."""
    text = clean(q or "")[:MAX_QUERY_CHARS]
    words: list[Word] = []
    for match in _QUOTED.finditer(text):
        inner = next((g for g in match.groups() if g is not None), "").strip()
        if meaningful(inner):
            words.append(Word(inner, phrase=True))
    rest = _QUOTED.sub(" ", text).replace('"', " ").replace("“", " ").replace("”", " ")
    for raw in rest.split():
        word = raw.strip(_EDGE_PUNCT + "-")
        if not word or word.upper() in _OPERATORS or not meaningful(word):
            continue
        words.append(Word(word))
    unique = list(dict.fromkeys(words))
    return unique[:MAX_WORDS]


def _sequence(field: str, terms: list[str], phrase: bool, boost: float):
    if not terms:
        return None
    if len(terms) == 1:
        return wq.Term(field, terms[0], boost=boost)
    if phrase:
        return wq.Phrase(field, terms, boost=boost)
    return wq.And([wq.Term(field, t) for t in terms], boost=boost)


def _body_clause(words: list[str], phrase: bool, boost: float):
    """Words in the long text; a phrase there is the pairs of its consecutive words (body_pairs)."""
    if not phrase or len(words) < 2:
        return _sequence("body", words, False, boost)
    return _sequence("body_pairs", phrase_pairs(words), False, boost)


def _bigram_clause(field: str, text: str, boost: float, phrase: bool):
    grams = bigrams(text)
    if not grams:
        return None
    if len(grams) == 1 and len(grams[0]) == 1 and not grams[0].isascii():
        # A single character: any pair that starts with it.
        return wq.Prefix(field, grams[0], boost=boost)
    # Names are short: all their pairs present is as good as the pairs in a row, and far cheaper to match.
    return _sequence(field, grams, phrase, boost)


def _text_clauses(text: str, phrase: bool, weight: float, fields: dict[str, str], synonym: bool = False) -> list:
    words = base_words(text)
    title, title_bi = fields["title"], fields["title_bi"]
    pair = not synonym and len(text) == 2 and bool(_CJK_PAIR.fullmatch(text))
    clauses = [
        # A two-character word is one bigram: the bigram field finds every name the word field finds.
        None if pair else _sequence(title, words, phrase, WEIGHTS[title] * weight),
        _body_clause(words, phrase, WEIGHTS["body"] * weight),
    ]
    if synonym:
        # A synonym stands in for the word in names and descriptions only: every extra clause is
        # scored for every candidate document.
        return [c for c in clauses if c is not None]
    clauses += [
        # Sub-words of names ("热像" in 非制冷红外热像仪) that jieba does not cut out.
        _bigram_clause(title_bi, text, (WEIGHTS[title] + WEIGHTS[title_bi] if pair else WEIGHTS[title_bi]) * weight,
                       phrase),
        _sequence("company", words, False, WEIGHTS["company"] * weight),
        _sequence("tags", words, False, WEIGHTS["tags"] * weight),
    ]
    if fields.get("model"):
        compact = text.replace(" ", "").lower()
        clauses.append(_sequence("model", words, phrase, WEIGHTS["model"] * weight))
        clauses.append(wq.Term("model_exact", compact, boost=WEIGHTS["model_exact"] * weight))
    return [c for c in clauses if c is not None]


PRODUCT_FIELDS = {"title": "name", "title_bi": "name_bi", "model": True}
SCENARIO_FIELDS = {"title": "title", "title_bi": "title_bi"}


def build(words: list[Word], synonyms: dict, fields: dict) -> wq.Query | None:
    """Every word must match somewhere (or one of its synonyms must); fields weigh the match."""
    per_word = []
    for word in words:
        parts = base_words(word.text)
        if not word.phrase and len(parts) > 2 and all(len(p) > 1 for p in parts):
            # A long compound ("高精度工业视觉缺陷检测系统"): each of its words may match in any field,
            # and the whole compound, or a synonym of it, in a name ranks first.
            whole = [c for c in (_bigram_clause(fields["title_bi"], word.text, WEIGHTS[fields["title_bi"]], True),)
                     if c is not None]
            for other in expand(word.text, synonyms):
                whole += _text_clauses(other, False, SYNONYM_WEIGHT, fields, synonym=True)
            required = wq.And([_word_clause(Word(part), synonyms, fields) for part in parts])
            per_word.append(wq.AndMaybe(required, Or(whole)) if whole else required)
            continue
        clause = _word_clause(word, synonyms, fields)
        if clause is not None:
            per_word.append(clause)
    if not per_word:
        return None
    return per_word[0] if len(per_word) == 1 else wq.And(per_word)


def _word_clause(word: Word, synonyms: dict, fields: dict):
    clauses = _text_clauses(word.text, word.phrase, 1.0, fields)
    if not word.phrase:
        for other in expand(word.text, synonyms):
            clauses += _text_clauses(other, False, SYNONYM_WEIGHT, fields, synonym=True)
    return Or(clauses) if clauses else None


_compiled: OrderedDict = OrderedDict()
_compiled_lock = threading.Lock()
COMPILED_MAX = 512


def compile_query(q: str, synonyms: dict, fields: dict) -> tuple[list[Word], wq.Query | None, list[str]]:
    """The words, Whoosh query and marks of `q`, kept for the queries people repeat (jieba and the
    synonym expansion of a long query cost most of a millisecond). A new synonym table is a new dict."""
    key = (q, id(synonyms), id(fields))
    with _compiled_lock:
        entry = _compiled.get(key)
        if entry is not None and entry[0] is synonyms:
            _compiled.move_to_end(key)
            return entry[1]
    words = parse(q)
    compiled = (words, build(words, synonyms, fields), needles(words, synonyms))
    with _compiled_lock:
        _compiled[key] = (synonyms, compiled)
        if len(_compiled) > COMPILED_MAX:
            _compiled.popitem(last=False)
    return compiled


def needles(words: list[Word], synonyms: dict) -> list[str]:
    """The strings to mark in results: the words, their synonyms and their jieba parts."""
    found = []
    for word in words:
        found.append(word.text)
        if not word.phrase:
            found += list(expand(word.text, synonyms))
            found += [w for w in base_words(word.text) if len(w) > 1 or not w.isascii()]
    return sorted({n for n in found if n.strip()}, key=len, reverse=True)


def _pattern(marks: list[str]):
    if not marks:
        return None
    return re.compile("|".join(re.escape(m) for m in marks), re.IGNORECASE)


def highlight(text: str, marks: list[str]) -> Markup:
    """Escape `text` and wrap every occurrence of a mark in <mark>."""
    text = text or ""
    pattern = _pattern(marks)
    if pattern is None:
        return escape(text)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(Markup("<mark>%s</mark>") % match.group())
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def snippet(text: str, marks: list[str], width: int = 120) -> Markup:
    """A window of `text` around its first mark (its start when nothing matches), highlighted."""
    text = " ".join((text or "").split())
    pattern = _pattern(marks)
    match = pattern.search(text) if pattern else None
    start = 0 if match is None else max(0, match.start() - width // 3)
    end = min(len(text), start + width)
    piece = text[start:end]
    return (Markup("…") if start else Markup("")) + highlight(piece, marks) + (Markup("…") if end < len(text)
                                                                              else Markup(""))

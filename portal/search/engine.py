"""From what a person typed to a search plan (plan.py), and from a stored text to a highlighted snippet.

The query string is never given to a backend's parser: its syntax errors would reach the user. Words
are read here instead — quoted phrases, plain words, nothing else — so any input gives a plan. The
fields and their weights come from the document type a domain registered (registry.py).
"""

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from markupsafe import Markup, escape

from portal.search.analysis import base_words, bigrams, clean, exact_form, meaningful, phrase_pairs, search_parts
from portal.search.plan import Expansion, Phrase, Plan, Prefix, Term, Terms, Unit
from portal.search.registry import BIGRAMS, EXACT, WORDS, DocumentType
from portal.search.thesaurus import Thesaurus

MAX_QUERY_CHARS = 200
MAX_WORDS = 8
_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」|『([^』]*)』')
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})
_EDGE_PUNCT = "!\"#$%&'()*+,/:;<=>?@[\\]^`{|}~，。、；：？！（）【】《》“”‘’·…—"

_CJK_PAIR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2}")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[a-z]{3,}")


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


def thesaurus_terms(words: list[Word], thesaurus: Thesaurus, longest: int = 4) -> list[Word]:
    """Consecutive typed words that together are a thesaurus term (glass fiber, rare earth, sulfuric acid) as one
    word, so that the term's expansions answer them; the longest run first, words of a quoted phrase never."""
    out, i = [], 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 1, -1):
            run = words[i : i + n]
            text = " ".join(w.text for w in run)
            if not any(w.phrase for w in run) and thesaurus.expand(text):
                out.append(Word(text))
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    return out


def _sequence(field: str, terms: list[str], phrase: bool, boost: float):
    if not terms:
        return None
    if len(terms) == 1:
        return Term(field, terms[0], boost)
    if phrase:
        return Phrase(field, tuple(terms), boost)
    return Terms(field, tuple(terms), boost)


def _bigram_clause(field: str, text: str, boost: float, phrase: bool):
    grams = bigrams(text)
    if not grams:
        return None
    if len(grams) == 1 and len(grams[0]) == 1 and not grams[0].isascii():
        # A single character: any pair that starts with it.
        return Prefix(field, grams[0], boost)
    # Names are short: all their pairs present is as good as the pairs in a row, and far cheaper to match.
    return _sequence(field, grams, phrase, boost)


def _text_clauses(text: str, phrase: bool, weight: float, doctype: DocumentType, expansion: bool = False) -> list:
    """The clauses that find `text` in the fields of `doctype`, each weighing its field's weight × `weight`.
    An expansion stands in for the word in the `expanded` fields only: every extra clause is scored
    for every candidate document."""
    words = base_words(text)
    # A two-character word is one bigram: the bigram field finds every name the word field finds.
    pair = not expansion and len(text) == 2 and bool(_CJK_PAIR.fullmatch(text))
    bigram_fields = doctype.of_kind(BIGRAMS)
    covered = {f.of for f in bigram_fields} if pair else set()
    clauses = []
    for f in doctype.of_kind(WORDS):
        if (expansion and not f.expanded) or f.name in covered:
            continue
        # An expansion of several words weighs the mean idf of its words, not their sum: it stands for one
        # word typed, and must not outweigh that word because it is spelled with more of them.
        share = len(words) if expansion and words else 1
        if phrase and not f.phrase and f.pairs and len(words) > 1:
            # No positions here: a phrase is the pairs of its consecutive words.
            clauses.append(_sequence(f.pairs, phrase_pairs(words), False, f.weight * weight))
        else:
            clauses.append(_sequence(f.name, words, phrase and f.phrase, f.weight * weight / share))
            clauses += [Term(f.name, form, f.weight * weight) for form in _number_forms(words)]
    if expansion:
        # An expansion is spelled in names the way the product is, and jieba cuts it by its neighbours there
        # (刨片机 alone is 刨|片机, in 环式长材刨片机 it is 刨片|机): its characters in the name's bigrams find it.
        for f in bigram_fields:
            if doctype.field(f.of).expanded:
                share = max(len(bigrams(text)), 1)  # as for words: the mean idf of its bigrams
                clauses.append(_bigram_clause(f.name, text, f.weight * weight / share, False))
    if not expansion:
        for f in bigram_fields:
            # Sub-words of names ("热像" in 非制冷红外热像仪) that jieba does not cut out.
            boost = f.weight + (doctype.field(f.of).weight if f.of in covered else 0.0)
            clauses.append(_bigram_clause(f.name, text, boost * weight, phrase))
        compact = exact_form(text)
        clauses += [Term(f.name, compact, f.weight * weight) for f in doctype.of_kind(EXACT) if compact]
    return list(dict.fromkeys(c for c in clauses if c is not None))


def _number_forms(words: list[str]) -> list[str]:
    """The other number of an English noun typed alone (ship → ships, valves → valve): names and category
    labels use either."""
    if len(words) != 1 or not _LATIN_WORD.fullmatch(words[0]):
        return []
    word = words[0]
    if word.endswith("ss"):
        return [word + "es"]
    if word.endswith("es") and word[:-2].endswith(("s", "x", "ch", "sh")):
        return [word[:-2]]
    if word.endswith("s"):
        return [word[:-1]]
    return [word + ("es" if word.endswith(("x", "ch", "sh")) else "s")]


def parts(text: str) -> tuple[list[str], list[str]]:
    """The parts a query word is also matched by, as (parts a document must hold, parts that only add to its
    score): jieba's words of it; for a single Chinese word of four characters or more, the two words it is
    made of (矿山|机械, 医疗|器械); for one of three, what qualifies its head character, the head scoring only
    (滚齿|机: a 机 alone is no answer to 滚齿机). Chinese names put the head last, so a buyer's 矿山机械
    finds 矿山装备 and 滚齿机 finds 数控滚齿铣棱复合机床, below the names holding the word itself."""
    words = base_words(text)
    if len(words) > 1:
        return (words, []) if _CJK_RUN.search(text) else ([], [])
    if len(words) != 1 or not _CJK_RUN.fullmatch(text) or len(text) < 3:
        return [], []
    if len(text) == 3:
        return [text[:2]], [text[2]]
    pieces = search_parts(text)
    for cut in range(2, len(text) - 1):
        if text[:cut] in pieces and text[cut:] in pieces:
            return [text[:cut], text[cut:]], []
    return [text[:-1]], [text[-1]]


def _expansions(text: str, thesaurus: Thesaurus, doctype: DocumentType) -> list[Expansion]:
    found = []
    for to, kind, boost in thesaurus.expand(text):
        clauses = _text_clauses(to, False, boost, doctype, expansion=True)
        if clauses:
            found.append(Expansion(text, to, kind, tuple(clauses)))
    return found


def _unit(word: Word, thesaurus: Thesaurus, doctype: DocumentType, expansions: list, also=()) -> Unit | None:
    clauses = _text_clauses(word.text, word.phrase, 1.0, doctype)
    if not word.phrase:
        for expansion in _expansions(word.text, thesaurus, doctype):
            expansions.append(expansion)
            clauses += expansion.clauses
    clauses = list(dict.fromkeys(clauses))
    return Unit(word.text, tuple(clauses), tuple(also)) if clauses else None


def build(words: list[Word], thesaurus: Thesaurus, doctype: DocumentType) -> Plan | None:
    """A unit per word (its fields, or its expansions); fields weigh the match."""
    units, bonus, expansions = [], [], []
    for word in words:
        split, heads = ([], []) if word.phrase else parts(word.text)
        if split:
            # A compound ("高精度工业视觉缺陷检测系统", "矿山机械"): each of its parts is a unit that may match
            # in any field, and the whole word as typed, or an expansion of it, ranks first (scored, not
            # required): a document holding only some parts is a partial match, below every full one.
            # The whole word, or an expansion of it, answers every part (a name ending in 光刻机 holds its
            # 机 though no bigram of it starts with 机).
            whole = _text_clauses(word.text, False, 1.0, doctype)
            whole_expanded = _expansions(word.text, thesaurus, doctype)
            expansions += whole_expanded
            also = whole + [c for e in whole_expanded for c in e.clauses]
            bonus += also + [c for head in heads for c in _text_clauses(head, False, 1.0, doctype)]
            units += [u for u in (_unit(Word(part), thesaurus, doctype, expansions, also) for part in split) if u]
            continue
        unit = _unit(word, thesaurus, doctype, expansions)
        if unit is not None:
            units.append(unit)
    if not units:
        return None
    return Plan(tuple(units), tuple(dict.fromkeys(bonus)), tuple(expansions))


_compiled: OrderedDict = OrderedDict()
_compiled_lock = threading.Lock()
COMPILED_MAX = 512


def compile_query(q: str, thesaurus: Thesaurus, doctype: DocumentType) -> tuple[list[Word], Plan | None, list[str]]:
    """The words, plan and marks of `q`, kept for the queries people repeat (jieba and the expansion
    of a long query cost most of a millisecond). A new thesaurus is a new object."""
    key = (q, id(thesaurus), doctype.kind, id(doctype))
    with _compiled_lock:
        entry = _compiled.get(key)
        if entry is not None and entry[0] is thesaurus:
            _compiled.move_to_end(key)
            return entry[1]
    words = thesaurus_terms(parse(q), thesaurus)
    plan = build(words, thesaurus, doctype)
    compiled = (words, plan, needles(words, plan))
    with _compiled_lock:
        _compiled[key] = (thesaurus, compiled)
        if len(_compiled) > COMPILED_MAX:
            _compiled.popitem(last=False)
    return compiled


def needles(words: list[Word], plan: Plan | None) -> list[str]:
    """The strings to mark in results: the words, their expansions and their jieba parts."""
    found = [e.to for e in plan.expansions] if plan is not None else []
    for word in words:
        found.append(word.text)
        if not word.phrase:
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

"""Analyzers of the search index.

Whoosh pickles analyzers into the index schema, so the classes here are found again by their
import path when an index is opened: this module must never move or be renamed.
"""

import bisect
import functools
import re
import unicodedata

import rjieba
from whoosh.analysis import CompositeAnalyzer, LowercaseFilter, Token, Tokenizer
from whoosh.fields import TEXT
from whoosh.formats import Frequency, Positions
from whoosh.system import pack_uint

# Function words that carry no meaning in a product description; they still use up a position.
STOP_WORDS = frozenset("的了和与及或等在对为是将可并于以其之把被从由向而且也又即")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[0-9a-zA-Z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def clean(text: str) -> str:
    """Return `text` in NFKC form (full-width letters and digits become ASCII) without control characters."""
    text = unicodedata.normalize("NFKC", text or "")
    if text.isprintable():  # nearly always: one call instead of one per character
        return text
    return "".join(ch if ch.isprintable() else " " for ch in text)


_NOT_ALNUM = re.compile(r"[\W_]+")


def exact_form(text: str) -> str:
    """A code as typed any way (GRT200-TM20, grt200tm20, ＧＲＴ２００ ＴＭ２０): letters, digits and Chinese
    characters only, lower-cased; what the exact fields (model numbers) index and are looked up by."""
    return _NOT_ALNUM.sub("", clean(text)).lower()


def meaningful(word: str) -> bool:
    return bool(_WORD.search(word)) and word not in STOP_WORDS


SHORT_TEXT = 64


def segment(text: str) -> tuple[tuple[str, int, int, int], ...]:
    """`_segment(text)`; short texts (names, models, company names, labels) recur across documents
    and queries, so their cuts are kept. A long text is cut once for the two fields that index it
    (body and body_pairs, analysed one after the other), so the last one is kept too."""
    if len(text) <= SHORT_TEXT:
        return _segment_short(text)
    last_text, last_cut = _LastLong.pair  # one tuple, replaced whole: never a text with another's cut
    if last_text == text:
        return last_cut
    cut = tuple(_segment(text))
    _LastLong.pair = (text, cut)
    return cut


class _LastLong:
    pair: tuple[str | None, tuple] = (None, ())


@functools.lru_cache(maxsize=8192)
def _segment_short(text: str) -> tuple[tuple[str, int, int, int], ...]:
    return tuple(_segment(text))


def _segment(text: str) -> list[tuple[str, int, int, int]]:
    """Split text into (word, position, start, end): jieba's words and, at the same position, their parts.

    The position counts the words of jieba's default cut, so the parts that search mode adds
    ("无人机" → "无人", "人机") share the position of the word they belong to and a phrase of
    default-cut words finds the same words in a document at consecutive positions.
    """
    text = clean(text)
    words = [(w, s, e) for w, s, e in rjieba.tokenize(text) if w.strip()]
    starts = [s for _w, s, _e in words]
    position_at = {s: pos for pos, (_w, s, _e) in enumerate(words)}
    out = [(w, position_at[s], s, e) for w, s, e in words if meaningful(w)]
    seen = {(w, s) for w, s, _e in words}
    for word, start, end in rjieba.tokenize(text, mode="search"):
        if (word, start) in seen or not meaningful(word):
            continue
        seen.add((word, start))
        # A part belongs to the default-cut word that starts at or before it.
        owner = bisect.bisect_right(starts, start) - 1
        if owner >= 0:
            out.append((word, owner, start, end))
    out.sort(key=lambda t: (t[1], t[2], -(t[3] - t[2])))
    return out


PAIR_JOIN = " "  # jieba's words never hold a space


def word_pairs(text: str) -> list[tuple[str, int, int, int]]:
    """Every two words at consecutive positions of `segment(text)`, lower-cased, as one term "前 后"
    (at the position of the first). A phrase of words is then a few term lookups instead of a walk over
    positions, the way search engines index shingles for phrase queries."""
    at: dict[int, list[tuple[str, int, int]]] = {}
    for word, pos, start, end in segment(text):
        at.setdefault(pos, []).append((word.lower(), start, end))
    out = []
    for pos, words in at.items():
        for after, _s, end in at.get(pos + 1, ()):
            out += [(before + PAIR_JOIN + after, pos, start, end) for before, start, _e in words]
    return out


def phrase_pairs(words: list[str]) -> list[str]:
    """The pair terms a document must hold to contain the phrase `words` (its default-cut words)."""
    return [a + PAIR_JOIN + b for a, b in zip(words, words[1:], strict=False)]


def base_words(text: str) -> list[str]:
    """The meaningful words of jieba's default cut, lower-cased, in order (the words of a phrase)."""
    return [w.lower() for w, s, e in rjieba.tokenize(clean(text)) if meaningful(w)]


@functools.lru_cache(maxsize=4096)
def search_parts(text: str) -> frozenset[str]:
    """The words jieba's search mode finds in `text` (its dictionary words inside a longer word)."""
    return frozenset(w for w, _s, _e in rjieba.tokenize(clean(text), mode="search"))


def bigrams(text: str) -> list[str]:
    """Character bigrams of each CJK run (a lone character stays a unigram) and lower-cased ASCII words: what a
    query word is looked up by (the index also holds each run's last character, see `_bigram_tokens`)."""
    return [t for t, _pos, _s, _e in _bigram_tokens(clean(text), tails=False)]


def _bigram_tokens(text: str, tails: bool = True):
    pos = 0
    for match in re.finditer(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9A-Za-z]+(?:[.\-_/][0-9A-Za-z]+)*", text):
        run, offset = match.group(), match.start()
        if not _CJK.fullmatch(run):
            yield run.lower(), pos, offset, offset + len(run)
            pos += 1
            continue
        if len(run) == 1:
            yield run, pos, offset, offset + 1
            pos += 1
            continue
        for i in range(len(run) - 1):
            yield run[i:i + 2], pos, offset + i, offset + i + 2
            pos += 1
        if tails:
            # The last character alone: Chinese names end with their head (复合膜, 球阀), which a one-character
            # query (a prefix of the bigrams) would otherwise miss, as no bigram starts with it.
            yield run[-1], pos - 1, offset + len(run) - 1, offset + len(run)


class _TermTokenizer(Tokenizer):
    """A tokenizer whose terms come from `terms(text)` as (term, position, start, end)."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    @staticmethod
    def terms(text: str):
        raise NotImplementedError

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        source = self.terms(value) if tokenize else [(value, 0, 0, len(value))]
        for text, pos, start, end in source:
            token.text = text
            token.boost, token.stopped = 1.0, False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class JiebaTokenizer(_TermTokenizer):
    """Chinese words by jieba's dictionary (rjieba), with their parts, at consecutive word positions."""

    terms = staticmethod(segment)


class BigramTokenizer(_TermTokenizer):
    """Overlapping character pairs, so any two or more consecutive characters of a name can be found."""

    @staticmethod
    def terms(text: str):
        return _bigram_tokens(clean(text))


class PairTokenizer(_TermTokenizer):
    """The consecutive word pairs of `word_pairs()`: what phrase queries over long texts look up."""

    terms = staticmethod(word_pairs)


def chinese_analyzer():
    return JiebaTokenizer() | LowercaseFilter()


def bigram_analyzer():
    return BigramTokenizer()


def pair_analyzer():
    return PairTokenizer()


class TermText(TEXT):
    """A TEXT field whose postings are made straight from its tokenizer's terms: the same (term, frequency,
    weight, value) Whoosh's Frequency and Positions formats make from the analyzer's token stream, without
    a Token, a filter and three generators per term (the hottest loop of a rebuild). Queries, key terms
    and any other analyzer go through Whoosh as before."""

    def index(self, value, **kwargs):
        terms = self._terms(value) if isinstance(value, str) and not kwargs else None
        if terms is None or type(self.format) not in (Frequency, Positions):
            yield from super().index(value, **kwargs)
            return
        boost = self.format.field_boost
        if type(self.format) is Positions:
            places: dict[str, list[int]] = {}
            for term, pos in terms:
                found = places.get(term)
                if found is None:
                    places[term] = [pos]
                else:
                    found.append(pos)
            encode = self.format.encode
            for term, found in places.items():
                yield term.encode("utf-8"), len(found), float(len(found)) * boost, encode(found)
        else:
            counts: dict[str, int] = {}
            for term, _pos in terms:
                counts[term] = counts.get(term, 0) + 1
            for term, count in counts.items():
                yield term.encode("utf-8"), count, float(count) * boost, pack_uint(count)

    def _terms(self, value: str):
        """[(term, position)] of our tokenizers (lower-cased when the analyzer says so); None for another analyzer."""
        analyzer = self.analyzer
        items = analyzer.items if isinstance(analyzer, CompositeAnalyzer) else [analyzer]
        if not isinstance(items[0], _TermTokenizer) or any(not isinstance(i, LowercaseFilter) for i in items[1:]):
            return None
        found = items[0].terms(value)
        if len(items) > 1:
            return [(term.lower(), pos) for term, pos, _s, _e in found]
        return [(term, pos) for term, pos, _s, _e in found]

"""The thesaurus: query words → the words they also find, with how much such a match counts.

Entries come from three places, merged: the domains' shipped files (given at set-up, e.g. the
catalogue's thesaurus.toml), the synonym table (synonyms.txt and the instance file, read as variants),
and the administrators' entries in the database (table search_thesaurus, see models.py).

Kinds and their boosts (a match of an expansion counts `boost` × a match of the typed word):
- abbreviation 0.8, translation 0.8: another name of the very same thing (AGV = 自动导引车, LiDAR = 激光雷达);
  only the form differs, so nearly as good as the word typed — but the typed form still ranks first;
- variant 0.6: a near-synonym or a variant form (监控摄像头 / 网络摄像机); the synonym table's 0.6 of
  old, on which the judged ranking was tuned;
- hypernym 0.5: a category word typed by a buyer (农业机械) finds its members (插秧机, 收割机): each member
  is only one reading of what was asked, so it weighs half.
Abbreviations, translations and variants work both ways (AGV finds 自动导引车 and 自动导引车 finds AGV);
a hypernym only downwards (插秧机 must not find 拖拉机). Words are compared case-insensitively after NFKC.
"""

import tomllib
from dataclasses import dataclass

from portal.search.analysis import clean

BOOSTS = {"abbreviation": 0.8, "translation": 0.8, "variant": 0.6, "hypernym": 0.5}
KINDS = tuple(BOOSTS)
ONE_WAY = frozenset({"hypernym"})
MAX_EXPANSIONS = 16  # per query word: each adds clauses every candidate is scored against
MAX_TERM_CHARS = 50


class ThesaurusError(ValueError):
    """An entry that cannot be used; the message says which and why (Chinese, shown to admins)."""


@dataclass(frozen=True)
class Entry:
    term: str
    expands: tuple[str, ...]
    kind: str
    source: str = ""
    both_ways: bool | None = None  # None: as the kind says


def key(word: str) -> str:
    return " ".join(clean(word).lower().split())


def check(term: str, expands, kind: str, where: str = "") -> Entry:
    """An Entry from raw values, or ThesaurusError naming what is wrong."""
    prefix = f"{where}：" if where else ""
    term = " ".join(clean(str(term or "")).split())
    words = [" ".join(clean(str(w)).split()) for w in (expands or ())]
    words = list(dict.fromkeys(w for w in words if w and key(w) != key(term)))
    if not term:
        raise ThesaurusError(prefix + "词条不能为空")
    if kind not in BOOSTS:
        raise ThesaurusError(prefix + f"类型“{kind}”无效，应为 " + "、".join(KINDS))
    if not words:
        raise ThesaurusError(prefix + f"“{term}”至少需要一个扩展词")
    if any(len(w) > MAX_TERM_CHARS for w in [term, *words]):
        raise ThesaurusError(prefix + f"词语不能超过 {MAX_TERM_CHARS} 个字符")
    return Entry(term, tuple(words), kind)


def parse_toml(text: str, source: str = "") -> list[Entry]:
    """Entries of a file of `[[entry]]` tables (term, expands, kind, source); ThesaurusError if malformed."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ThesaurusError(f"{source} 格式不正确：{error}") from error
    entries = []
    for number, raw in enumerate(data.get("entry", []), start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("expands"), list):
            raise ThesaurusError(f"{source} 第 {number} 个词条缺少 expands 列表")
        entry = check(raw.get("term"), raw["expands"], raw.get("kind", ""), f"{source} 第 {number} 个词条")
        entries.append(Entry(entry.term, entry.expands, entry.kind, str(raw.get("source", ""))))
    return entries


def from_synonyms(table: dict[str, tuple[str, ...]]) -> list[Entry]:
    """The synonym table (already spelled out in both directions where it should be) as variants."""
    return [Entry(word, tuple(others), "variant", "synonyms.txt", both_ways=False)
            for word, others in table.items() if others]


class Thesaurus:
    """Merged entries, looked up by a query word."""

    def __init__(self, entries: list[Entry]):
        table: dict[str, dict[str, tuple[str, str, float]]] = {}

        def add(word: str, to: str, kind: str):
            if key(to) == key(word):
                return
            found = table.setdefault(key(word), {})
            boost = BOOSTS[kind]
            if key(to) not in found or found[key(to)][2] < boost:
                found[key(to)] = (to, kind, boost)

        for entry in entries:
            both = entry.both_ways if entry.both_ways is not None else entry.kind not in ONE_WAY
            for to in entry.expands:
                add(entry.term, to, entry.kind)
                if both:
                    add(to, entry.term, entry.kind)
        # Best boost first; equal boosts in the order the entries gave them (the sort is stable).
        self._table = {word: tuple(sorted(found.values(), key=lambda e: -e[2]))[:MAX_EXPANSIONS]
                       for word, found in table.items()}

    def expand(self, word: str) -> tuple[tuple[str, str, float], ...]:
        """(expansion, kind, boost) of `word`, best first; not `word` itself."""
        return self._table.get(key(word), ())

    def __len__(self) -> int:
        return len(self._table)


EMPTY = Thesaurus([])

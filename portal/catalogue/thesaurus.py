"""The catalogue's domain thesaurus: what buyers type → the words products contain.

The data (thesaurus.toml, shipped with the package) is built from public sources — the national
《首台（套）重大技术装备推广应用指导目录》 field structure, the 首版次软件 categories, GB/T 4754 industry
names and provincial list headings. Search reads it through `load()`; nothing here knows about search.
"""

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PATH = Path(__file__).with_name("thesaurus.toml")
KINDS = frozenset({"hypernym", "abbreviation", "translation", "variant"})
_FIELDS = {"term", "expands", "kind", "source"}


class ThesaurusError(ValueError):
    """The thesaurus file is malformed; the message names the entry and what is wrong with it."""


@dataclass(frozen=True)
class Entry:
    term: str
    expands: tuple[str, ...]
    kind: str
    source: str


def parse(text: str, origin: str = "thesaurus.toml") -> tuple[Entry, ...]:
    """Read and check the TOML text; raise ThesaurusError on the first bad entry."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ThesaurusError(f"{origin}: not valid TOML: {error}") from error
    unknown = set(data) - {"entry"}
    if unknown:
        raise ThesaurusError(f"{origin}: unknown top-level keys {sorted(unknown)}; only [[entry]] tables are allowed")
    entries, seen = [], {}
    for number, raw in enumerate(data.get("entry", []), start=1):
        where = f"{origin}: entry {number}"
        if not isinstance(raw, dict):
            raise ThesaurusError(f"{where}: must be a table")
        missing, extra = _FIELDS - raw.keys(), raw.keys() - _FIELDS
        if missing or extra:
            raise ThesaurusError(f"{where}: missing {sorted(missing)}, unknown {sorted(extra)}")
        term, expands, kind, source = raw["term"], raw["expands"], raw["kind"], raw["source"]
        if not isinstance(term, str) or not term.strip() or term != term.strip():
            raise ThesaurusError(f"{where}: term must be a non-empty string without surrounding spaces")
        where = f"{origin}: entry {number} ({term})"
        if kind not in KINDS:
            raise ThesaurusError(f"{where}: kind {kind!r} is not one of {sorted(KINDS)}")
        if (not isinstance(expands, list) or not expands
                or not all(isinstance(e, str) and e.strip() and e == e.strip() for e in expands)):
            raise ThesaurusError(f"{where}: expands must be a non-empty list of non-empty strings")
        if term in expands:
            raise ThesaurusError(f"{where}: expands repeats the term itself")
        if len(set(expands)) != len(expands):
            raise ThesaurusError(f"{where}: expands has duplicates")
        if not isinstance(source, str) or not source.strip():
            raise ThesaurusError(f"{where}: source must say where the entry comes from")
        key = (term.lower(), kind)
        if key in seen:
            raise ThesaurusError(f"{where}: the same term and kind already appear at entry {seen[key]}")
        seen[key] = number
        entries.append(Entry(term, tuple(expands), kind, source))
    if not entries:
        raise ThesaurusError(f"{origin}: no entries")
    return tuple(entries)


@cache
def load(path: Path = PATH) -> tuple[Entry, ...]:
    """The shipped thesaurus, parsed and checked once per process."""
    return parse(path.read_text(encoding="utf-8"), origin=path.name)


def expansions(term: str, entries: tuple[Entry, ...] | None = None) -> tuple[str, ...]:
    """Every word an entry for `term` (case-insensitive) expands to, in file order, without repeats."""
    wanted = term.strip().lower()
    found = [e for entry in (entries if entries is not None else load()) if entry.term.lower() == wanted
             for e in entry.expands]
    return tuple(dict.fromkeys(found))

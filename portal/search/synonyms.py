"""The synonym table (同义词表): plain text, applied to query words at search time.

`a, b, c` makes the words equivalent; `a => b, c` lets `a` also find `b` and `c`. The table
shipped with the portal is extended by the administrators' table, kept in the database (SynonymTable).
"""

import logging
import threading
from contextlib import suppress
from pathlib import Path

from portal.search.analysis import clean

BASE_FILE = Path(__file__).with_name("synonyms.txt")
_lock = threading.Lock()
log = logging.getLogger(__name__)
_cache: dict[tuple, dict[str, tuple[str, ...]]] = {}


class SynonymError(ValueError):
    """A line of the table that cannot be read; the message names the line."""


def _key(word: str) -> str:
    return clean(word).strip().lower()


def parse(text: str) -> dict[str, set[str]]:
    """Read a table into word → the other words it finds; raise SynonymError on a malformed line."""
    table: dict[str, set[str]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=>" in line:
            left, _, right = line.partition("=>")
            sources = _words(left)
            targets = _words(right)
            if not sources or not targets or "=>" in right:
                raise SynonymError(f"第 {number} 行格式不正确：{raw.strip()}")
            for source in sources:
                table.setdefault(_key(source), set()).update(t for t in targets if _key(t) != _key(source))
            continue
        group = _words(line)
        if len(group) < 2:
            raise SynonymError(f"第 {number} 行至少需要两个词：{raw.strip()}")
        for word in group:
            table.setdefault(_key(word), set()).update(w for w in group if _key(w) != _key(word))
    return table


def _words(part: str) -> list[str]:
    return [w.strip() for w in part.replace("，", ",").split(",") if w.strip()]


def table_for(extra_text: str | None = None) -> dict[str, tuple[str, ...]]:
    """The merged table of the shipped file and the administrators' `extra_text`; the shipped file is re-read
    when it changes. A broken `extra_text` is left out: it must not take search down (the admin page refuses
    to save one)."""
    stamp = (BASE_FILE.stat().st_mtime_ns, BASE_FILE.stat().st_size, extra_text or "")
    with _lock:
        cached = _cache.get(stamp)
        if cached is not None:
            return cached
    merged: dict[str, set[str]] = {}
    tables = [parse(BASE_FILE.read_text(encoding="utf-8"))]
    with suppress(SynonymError):  # a broken table (imported from an old file) is left out, logged below
        tables.append(parse(extra_text or ""))
    if len(tables) == 1 and (extra_text or "").strip():
        log.warning("the administrators' synonym table has a malformed line; searching without it")
    for table in tables:
        for word, others in table.items():
            merged.setdefault(word, set()).update(others)
    result = {word: tuple(sorted(others)) for word, others in merged.items()}
    with _lock:
        _cache.clear()
        _cache[stamp] = result
    return result


def count_lines(text: str) -> int:
    """The groups of a table: its lines that are neither empty nor only a comment."""
    return len([line for line in text.splitlines() if line.split("#", 1)[0].strip()])


def expand(word: str, table: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The words that `word` also finds (not including itself)."""
    return table.get(_key(word), ())

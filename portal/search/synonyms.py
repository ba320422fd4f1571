"""The synonym table (同义词表): plain text, applied to query words at search time.

`a, b, c` makes the words equivalent; `a => b, c` lets `a` also find `b` and `c`. The table
shipped with the portal is extended by the administrators' file in the instance folder.
"""

import threading
from pathlib import Path

from portal.search.analysis import clean

BASE_FILE = Path(__file__).with_name("synonyms.txt")
_lock = threading.Lock()
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


def table_for(extra_file: Path | None) -> dict[str, tuple[str, ...]]:
    """The merged table of the shipped file and `extra_file`, re-read when either file changes."""
    files = [BASE_FILE] + ([extra_file] if extra_file is not None and extra_file.exists() else [])
    stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    with _lock:
        cached = _cache.get(stamp)
        if cached is not None:
            return cached
    merged: dict[str, set[str]] = {}
    for file in files:
        try:
            parsed = parse(file.read_text(encoding="utf-8"))
        except SynonymError:
            if file == BASE_FILE:
                raise
            continue  # a broken extra file must not take search down; the admin page refuses to save one
        for word, others in parsed.items():
            merged.setdefault(word, set()).update(others)
    result = {word: tuple(sorted(others)) for word, others in merged.items()}
    with _lock:
        _cache.clear()
        _cache[stamp] = result
    return result


def expand(word: str, table: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The words that `word` also finds (not including itself)."""
    return table.get(_key(word), ())

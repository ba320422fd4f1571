"""Every use of Whoosh's private internals, in one place, for the versions they were read from.

The bitset reader (docsets.py) decodes posting blocks directly, through attributes that are not
Whoosh's public API (W3LeafMatcher's `_data`, `_read_data`, `_byteids`, `_next_block`; FilterMatcher's
`child`; a reader's `deleted_docs_set`). Whoosh is frozen upstream and pinned, but a different
version must fail here, at import, with a clear message — not as wrong results in a search.
"""

from collections.abc import Callable, Iterable
from importlib import metadata
from itertools import accumulate, repeat

import whoosh

# The versions whose internals were read for this module (whoosh-reloaded 2.7.5: the block layout
# of Whoosh 3's codec, unchanged since Whoosh 2.5).
SUPPORTED = {(2, 7, 5)}


class UnsupportedWhoosh(ImportError):
    pass


def _installed() -> tuple[int, ...]:
    return tuple(whoosh.__version__[:3])


def check_version(version: tuple[int, ...] | None = None) -> None:
    version = version if version is not None else _installed()
    if tuple(version) not in SUPPORTED:
        try:
            dist = metadata.version("whoosh-reloaded")
        except metadata.PackageNotFoundError:
            dist = "?"
        raise UnsupportedWhoosh(
            f"portal.search reads Whoosh internals written for {sorted(SUPPORTED)}; installed is "
            f"{'.'.join(map(str, version))} (whoosh-reloaded {dist}). Install whoosh-reloaded==2.7.5 "
            "or check portal/search/whoosh_adapter.py against the new version and add it to SUPPORTED.")


check_version()

from whoosh.codec.whoosh3 import W3LeafMatcher  # noqa: E402 -- only once the version is known
from whoosh.filedb.structfile import BufferFile  # noqa: E402
from whoosh.matching.wrappers import FilterMatcher  # noqa: E402


def set_posting_ids(reader, fieldname: str, text, put: Callable[[int], None]) -> None:
    """Call `put(docnum, 1)` for every document of a segment holding the term, deleted ones included
    (the caller clears those, far cheaper than Whoosh's one-by-one skipping).

    Reads Whoosh 3's block layout: a block's data is (ids, weights, values), ids delta-encoded unless
    they are bytes; the block header tells where the next block starts. Only the ids are decoded."""
    matcher = reader.postings(fieldname, text)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    if not isinstance(matcher, W3LeafMatcher):
        set_all(put, matcher.all_ids())
        return
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        ids = matcher._data[0]
        set_all(put, ids if matcher._byteids else accumulate(ids))
        matcher._next_block()


def deleted_docs(reader) -> list[int]:
    return sorted(reader.deleted_docs_set) if reader.has_deletions() else []


def set_all(put, docnums: Iterable[int]) -> None:
    for _ in map(put, docnums, repeat(1)):
        pass


from whoosh.codec.whoosh3 import W3Codec  # noqa: E402


class BuildCodec(W3Codec):
    """Whoosh 3's codec without the shortest and longest field length of each posting block.

    Writing them looks up the length of every posting's document in the segment's length column, one
    Python call a posting (≈15 % of a build). The portal ranks from bitsets (ranking.py), which never
    read them; Whoosh's own scoring (`related()`) reads them only to skip blocks, and a block stored as
    shortest 0 is never skipped wrongly (a shorter field scores higher under BM25F). Documents' field
    lengths are still written, so scores are unchanged."""

    length_stats = False


# --- reading a segment without copying it ------------------------------------------------------------
# Whoosh maps a compound segment file and hands each part to a BufferFile, whose `BytesIO(memoryview)` copies
# the part into the process: every serving process held a private copy of the whole index (38 MB at 20 000
# products and 10 000 scenarios). Reading through the mapped view instead leaves the pages in the OS cache,
# shared by every process on the node.

class _ViewFile:
    """The read side of a file over a memoryview: what StructFile asks of its file, without a copy."""

    __slots__ = ("_view", "_pos")

    def __init__(self, view) -> None:
        self._view = memoryview(view).cast("B") if not isinstance(view, memoryview) else view
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        start = self._pos
        end = len(self._view) if size is None or size < 0 else min(start + size, len(self._view))
        self._pos = max(start, end)  # past the end, as a file: nothing read, the position kept
        return self._view[start:end].tobytes()

    def readline(self, size: int = -1) -> bytes:
        rest = self._view[self._pos:] if size is None or size < 0 else self._view[self._pos:self._pos + size]
        found = rest.tobytes().find(b"\n")
        return self.read(found + 1 if found >= 0 else len(rest))

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def seek(self, position: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: len(self._view)}[whence]
        self._pos = max(0, base + position)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def __iter__(self):
        while line := self.readline():
            yield line

    def close(self) -> None:
        self._view = memoryview(b"")


def _buffer_file_init(self, buf, name=None, onclose=None) -> None:
    self._buf = buf
    self._name = name
    self.file = _ViewFile(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def _buffer_file_subset(self, position, length, name=None):
    return BufferFile(self._buf[position:position + length], name=name or self._name)


BufferFile.__init__ = _buffer_file_init
BufferFile.subset = _buffer_file_subset

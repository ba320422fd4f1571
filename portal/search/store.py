"""Where the index lives on disk, who may write it, and how far it has followed the change log.

Layout under the configured directory:
    current          symlink to the generation being served
    gen-<ns>/        one complete index (named indexes "products" and "scenarios")
        format       the schema.current_format() it was written with; a generation of another format is not served
        state.json   {"cursor": last change id applied, "gaps": {id: first seen missing}}
        epoch        the cluster epoch (portal/cluster) of the database it was built from; absent: 0
        apply.lock   held by the one process applying changes to this generation
    rebuild.lock     held while a generation is built

A rebuild writes a new generation and flips `current`, so readers never see a half-built index.
Each process keeps one searcher per thread, checked per query (cheap) and reopened only after a change.
"""

import contextlib
import fcntl
import json
import os
import shutil
import threading
import time
from pathlib import Path

from whoosh import index as whoosh_index

from portal.search import schema
from portal.search.docsets import DocSets

CURRENT = "current"
STATE_FILE = "state.json"
FORMAT_FILE = "format"
EPOCH_FILE = "epoch"
_format_ok: dict[Path, bool] = {}


def served_dir(root: Path) -> Path | None:
    """The generation `current` points at, whatever its format."""
    try:
        target = os.readlink(root / CURRENT)
    except OSError:
        return None
    path = root / target
    return path if path.is_dir() else None


def generation_dir(root: Path) -> Path | None:
    """The generation being served, or None when there is none of the current format yet."""
    path = served_dir(root)
    return path if path is not None and has_current_format(path) else None


def has_current_format(path: Path) -> bool:
    key = (path, schema.current_format())
    if key not in _format_ok:
        try:
            _format_ok[key] = (path / FORMAT_FILE).read_text().strip() == key[1]
        except OSError:
            return False  # being removed, or written before formats were recorded
    return _format_ok[key]


def new_generation(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"gen-{time.time_ns()}"
    path.mkdir()
    for name, make in schema.schemas().items():
        whoosh_index.create_in(str(path), make(), indexname=name)
    write_state(path, {"cursor": 0, "gaps": {}})
    (path / FORMAT_FILE).write_text(schema.current_format())
    return path


def switch_to(root: Path, path: Path) -> None:
    """Point `current` at `path` atomically and drop generations older than the one it replaces."""
    previous = served_dir(root)
    temp = root / f".{CURRENT}-{os.getpid()}-{threading.get_ident()}"
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()
    os.symlink(path.name, temp)
    os.replace(temp, root / CURRENT)
    # Keep the generation just replaced: another process may still be reading it.
    keep = {path.name} | ({previous.name} if previous else set())
    for old in root.glob("gen-*"):
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def read_state(path: Path) -> dict:
    try:
        state = json.loads((path / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {"cursor": 0, "gaps": {}}
    return {"cursor": int(state.get("cursor", 0)), "gaps": {int(k): v for k, v in state.get("gaps", {}).items()}}


def write_state(path: Path, state: dict) -> None:
    temp = path / f".{STATE_FILE}-{os.getpid()}-{threading.get_ident()}"
    temp.write_text(json.dumps({"cursor": state["cursor"], "gaps": {str(k): v for k, v in state["gaps"].items()}}))
    os.replace(temp, path / STATE_FILE)


def read_epoch(path: Path) -> int:
    """The cluster epoch the generation at `path` was built at (0 for one built before epochs were recorded)."""
    try:
        return int((path / EPOCH_FILE).read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


def write_epoch(path: Path, epoch: int) -> None:
    (path / EPOCH_FILE).write_text(str(epoch))


@contextlib.contextmanager
def file_lock(path: Path, timeout: float):
    """Hold an exclusive lock on `path`, waiting up to `timeout` seconds; yield whether it was taken."""
    handle = open(path, "a+")  # noqa: SIM115 -- closed below, after the lock is released
    deadline = time.monotonic() + timeout
    taken = False
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                taken = True
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.02)
        yield taken
    finally:
        if taken:
            fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def usable(path: Path, names) -> bool:
    """Whether every named index of the generation at `path` exists and can be opened (reads only their table of
    contents: cheap)."""
    try:
        return all(whoosh_index.exists_in(str(path), indexname=name) for name in names)
    except (OSError, whoosh_index.IndexError):
        return False


def open_index(path: Path, name: str):
    return whoosh_index.open_dir(str(path), indexname=name)


class Readers(threading.local):
    """One open index and searcher per index name, per thread, for the generation being served."""

    def __init__(self):
        self.path: Path | None = None
        self.indexes: dict = {}
        self.searchers: dict = {}
        self.docsets: dict = {}

    def searcher(self, path: Path, name: str):
        if path != self.path:
            self.close()
            self.path = path
        searcher = self.searchers.get(name)
        if searcher is None:
            searcher = self._index(path, name).searcher()
        elif not searcher.up_to_date():
            # Reopen rather than refresh(): whoosh-reloaded 2.7.5 reuses segment readers by segment id,
            # so a refreshed searcher keeps seeing deleted documents (and fails on an empty index).
            searcher.close()
            searcher = self._index(path, name).searcher()
        if self.searchers.get(name) is not searcher:
            self.docsets[name] = DocSets(searcher)
        self.searchers[name] = searcher
        return searcher

    def docsets_for(self, name: str) -> DocSets:
        """The bitset cache of the searcher last returned for `name` (dropped with it)."""
        return self.docsets[name]

    def _index(self, path: Path, name: str):
        if name not in self.indexes:
            self.indexes[name] = open_index(path, name)
        return self.indexes[name]

    def close(self):
        for searcher in self.searchers.values():
            searcher.close()
        self.path, self.indexes, self.searchers, self.docsets = None, {}, {}, {}

"""Where the page cache keeps its pages, the data version they are compared with, and who is rendering which.

Two stores answer the same four questions (portal/web/page_cache.py asks them):

- `lookup(key, bucket)`: the current data version and the kept page, in one round trip (or none: a page this
  process fetched or rendered is answered from its memory while it is fresh and the version was read less than
  MEMO_SECONDS ago);
- `try_lock(key)`: become the one renderer of a page, or learn how long another has been rendering it;
- `put(key, entry)` / `release(key, token)`: keep a rendered page, end one's render;
- `bump()`: raise the data version after a commit that wrote;
- `phase(seconds)`: where this process's periods of PAGE_CACHE_SECONDS start.

RedisStore (REDIS_URL set) keeps pages, version and render locks in Redis, shared by every worker of every node.
MemoryStore keeps pages per process and reads the version from the database, or with SQLite from a file beside
it (data_version.py).

A store that does not answer raises Unavailable from `lookup` and `try_lock`: the request is served as if there
were no cache. Redis is then left alone for RETRY_SECONDS (no connect timeout paid by every request), it is said
once in the log, and the first process to reach it again raises the version, since the writes made meanwhile
could not.
"""

import contextlib
import hashlib
import json
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from portal.web.data_version import DatabaseVersion, FileVersion

RETRY_SECONDS = 5.0
MEMO_SECONDS = 0.25  # how long a process trusts the version it read from Redis
LOCK_SECONDS = 10.0  # a renderer that died frees its page after this
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class Unavailable(Exception):
    """The store did not answer: serve this request without the cache."""


@dataclass(frozen=True)
class Entry:
    version: int
    bucket: int  # PAGE_CACHE_SECONDS period of the portal clock the page was rendered in
    status: str
    headers: tuple
    body: bytes

    def dumps(self) -> bytes:
        meta = json.dumps([self.version, self.bucket, self.status, self.headers], separators=(",", ":"))
        return meta.encode() + b"\n" + self.body

    @classmethod
    def loads(cls, raw: bytes | None) -> "Entry | None":
        if not raw:
            return None
        meta, _newline, body = raw.partition(b"\n")
        try:
            version, bucket, status, headers = json.loads(meta)
            return cls(int(version), int(bucket), str(status), tuple((str(n), str(v)) for n, v in headers), body)
        except (ValueError, TypeError):  # written by another release of the portal: render the page again
            return None


class MemoryStore:
    """Pages kept in this process (the newest `max_entries`), the version read from the database."""

    def __init__(self, versions: DatabaseVersion | FileVersion, max_entries: int = 256):
        self.versions = versions
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.rendering: dict[tuple, tuple[str, float]] = {}
        self.lock = threading.Lock()

    @staticmethod
    def phase(seconds: int) -> float:
        """Where this process's periods start, in seconds: spread over the period by process id."""
        return (os.getpid() * 2654435761 % 4096) / 4096 * seconds

    def lookup(self, key: tuple, bucket: int | None = None) -> tuple[int, Entry | None]:
        version = self.versions.current()
        if version is None:
            raise Unavailable
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
        return version, entry

    def try_lock(self, key: tuple) -> tuple[str | None, float | None]:
        now = time.monotonic()
        with self.lock:
            held = self.rendering.get(key)
            if held is not None and now - held[1] < LOCK_SECONDS:
                return None, now - held[1]
            token = uuid.uuid4().hex
            self.rendering[key] = (token, now)
            return token, None

    def release(self, key: tuple, token: str) -> None:
        with self.lock:
            if self.rendering.get(key, ("",))[0] == token:
                del self.rendering[key]

    def put(self, key: tuple, entry: Entry) -> None:
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)

    def bump(self) -> None:
        if not self.versions.bump():
            with self.lock:  # the other processes follow within PAGE_CACHE_SECONDS
                self.entries.clear()


class RedisStore:
    """Pages, data version and render locks in Redis, for every worker of every node."""

    def __init__(self, url: str, prefix: str, logger: logging.Logger, entry_seconds: int, near_entries: int = 64):
        import redis

        self.redis_errors = (redis.RedisError, OSError)
        self.client = redis.Redis.from_url(url, socket_connect_timeout=0.25, socket_timeout=0.5)
        self.release_script = self.client.register_script(_RELEASE)
        self.prefix = f"{prefix}:page-cache"
        self.version_key = f"{self.prefix}:version"
        self.log = logger
        self.entry_ms = int(entry_seconds * 1000)
        self.lock_ms = int(LOCK_SECONDS * 1000)
        self.down_until: float | None = None  # set while Redis is not answering
        # The pages this process saw last and the version it read last, to spare a round trip per request.
        self.near: OrderedDict[tuple, Entry] = OrderedDict()
        self.near_entries = near_entries
        self.memo_version: int | None = None
        self.memo_at = float("-inf")
        self.state = threading.Lock()

    @staticmethod
    def phase(_seconds: int) -> float:
        return 0.0  # one period for every process: they share the pages

    def page_key(self, key: tuple) -> str:
        digest = hashlib.sha256("\n".join(str(part or "") for part in key).encode("utf-8", "surrogateescape"))
        return f"{self.prefix}:page:{digest.hexdigest()}"

    def lookup(self, key: tuple, bucket: int | None = None) -> tuple[int, Entry | None]:
        now = time.monotonic()
        with self.state:
            near = self.near.get(key)
            if (near is not None and near.version == self.memo_version and near.bucket == bucket
                    and now - self.memo_at < MEMO_SECONDS):
                return near.version, near
        version, raw = self._call(lambda: self.client.mget(self.version_key, self.page_key(key)))
        if version is None:
            version = self._call(self._first_version)
        entry = Entry.loads(raw)
        with self.state:
            self.memo_version, self.memo_at = int(version), now
            if entry is not None:
                self._keep_near(key, entry)
        return int(version), entry

    def try_lock(self, key: tuple) -> tuple[str | None, float | None]:
        token = uuid.uuid4().hex
        lock_key = self.page_key(key) + ":rendering"

        def attempt():
            if self.client.set(lock_key, token, nx=True, px=self.lock_ms):
                return token, None
            left = self.client.pttl(lock_key)
            return None, (self.lock_ms - left) / 1000 if left > 0 else None

        return self._call(attempt)

    def release(self, key: tuple, token: str) -> None:
        lock_key = self.page_key(key) + ":rendering"
        self._quietly(lambda: self.release_script(keys=[lock_key], args=[token]))

    def put(self, key: tuple, entry: Entry) -> None:
        self._quietly(lambda: self.client.set(self.page_key(key), entry.dumps(), px=self.entry_ms))
        with self.state:
            self._keep_near(key, entry)

    def bump(self) -> None:
        with self.state:
            self.memo_at = float("-inf")  # this process sees its own write at once
        self._quietly(lambda: self.client.incr(self.version_key))

    def _keep_near(self, key: tuple, entry: Entry) -> None:
        self.near[key] = entry
        self.near.move_to_end(key)
        while len(self.near) > self.near_entries:
            self.near.popitem(last=False)

    def _first_version(self) -> int:
        # Counting from the time rather than 0: if the key is ever lost (a flushed or evicted Redis), no version
        # a kept page was rendered at comes round again.
        self.client.set(self.version_key, time.time_ns() // 1000, nx=True)
        return int(self.client.get(self.version_key))

    def _quietly(self, operation) -> None:
        with contextlib.suppress(Unavailable):
            self._call(operation)

    def _call(self, operation):
        with self.state:
            down_until = self.down_until
        if down_until is not None and time.monotonic() < down_until:
            raise Unavailable
        try:
            if down_until is not None:
                self.client.incr(self.version_key)  # writes made while it was down could not raise it
            result = operation()
        except self.redis_errors as error:
            with self.state:
                first = self.down_until is None
                self.down_until = time.monotonic() + RETRY_SECONDS
            if first:
                self.log.warning("page cache: Redis does not answer (%s); pages are served without the cache "
                                 "until it does", error)
            raise Unavailable from error
        if down_until is not None:
            with self.state:
                self.down_until = None
            self.log.warning("page cache: Redis answers again; the cache is used again")
        return result

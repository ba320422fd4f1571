"""Several production-mode nodes of the portal on one PostgreSQL and one Redis, started and stopped from Python.

Used by tests/cluster/test_cluster.py and bench/cluster.py. Each node is a gunicorn master with its workers and
one portal worker process (`flask --app wsgi worker`: applies search-index changes, builds a missing index,
sends mail, runs scheduled jobs), both in process groups of their own so that stopping a node leaves nothing
behind. Nodes share the database, Redis, SECRET_KEY/AUDIT_KEY and UPLOAD_FOLDER; each has its own instance
folder and search index. A Monitor thread reads anonymous pages of every node for the whole run and keeps
every answer's status and time, the harness's own requests included.
"""

import atexit
import contextlib
import csv
import json
import os
import random
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LOCAL_HOST = "127.0.0.1"

# The commands, in one place (the portal worker was called `index-worker` before it also sent mail and ran
# scheduled jobs). CLUSTER_WORKER_ARGS / CLUSTER_WEB_WORKERS override them, e.g. to try the harness on an
# older tree: CLUSTER_WORKER_ARGS="index-worker".
WORKER_ARGS = shlex.split(os.environ.get("CLUSTER_WORKER_ARGS", "worker"))
WEB_WORKERS = int(os.environ.get("CLUSTER_WEB_WORKERS", "2"))
WEB_ARGS = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--no-control-socket", "-w", str(WEB_WORKERS),
            "--access-logformat", "%(m)s %(U)s?%(q)s %(s)s %(L)ss", "wsgi:app"]
FLASK = [str(BIN / "flask"), "--app", "wsgi"]

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_DB = int(os.environ.get("CLUSTER_REDIS_DB", "7"))
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"

START_TIMEOUT = 45.0     # seconds for a node to answer its first request
SLOW = 2.0               # an answer slower than this breaks the contract
REQUEST_TIMEOUT = 10.0   # a request still unanswered after this counts as an error


class ClusterError(RuntimeError):
    """A node or a command of the harness did not do what the step needed (with the logs that say why)."""


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCAL_HOST, 0))
        return sock.getsockname()[1]


def flush_redis() -> None:
    """Empty the harness's Redis database (RESP by hand: no client library needed)."""
    with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=2) as sock:
        sock.sendall(f"*2\r\n$6\r\nSELECT\r\n${len(str(REDIS_DB))}\r\n{REDIS_DB}\r\n*1\r\n$7\r\nFLUSHDB\r\n".encode())
        answer = b""
        while answer.count(b"\r\n") < 2:
            chunk = sock.recv(100)
            if not chunk:
                break
            answer += chunk
    if answer.count(b"+OK") != 2:
        raise ClusterError(f"Redis db {REDIS_DB} could not be emptied: {answer!r}")


def tail(path: Path, limit: int = 6000) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        return f"(no log: {error})"
    return text[-limit:]


def _stop_group(proc: subprocess.Popen | None, timeout: float = 15) -> None:
    """SIGTERM the process group of `proc`, SIGKILL what is left of it after `timeout` seconds.

    Every process here is started with start_new_session, so its group id is its pid: the group is found even
    when its leader has exited and been reaped (a gunicorn worker outliving its master, say)."""
    if proc is None:
        return
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.wait(timeout=5)


_live: set["Node"] = set()


def stop_everything() -> None:
    """Stop every node still running (a test's finalizer and interpreter exit call this)."""
    for node in list(_live):
        node.stop()


atexit.register(stop_everything)


# --- samples ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sample:
    node: str
    path: str
    status: int | None        # None: no answer (refused, reset, timed out)
    seconds: float
    at: float                 # time.monotonic() when the request was sent
    error: str = ""

    @property
    def bad(self) -> bool:
        # /readyz answers 503 by design while a node has no index of its own: not an error of the node.
        failed = self.status is None or (self.status >= 500 and not self.path.endswith(" /readyz"))
        return failed or self.seconds > SLOW


class Samples:
    """Every request of the run to any node, the monitor's and the steps' (thread-safe)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.items: list[Sample] = []

    def add(self, sample: Sample) -> None:
        with self._lock:
            self.items.append(sample)

    def snapshot(self) -> list[Sample]:
        with self._lock:
            return list(self.items)

    def bad(self) -> list[Sample]:
        return [s for s in self.snapshot() if s.bad]

    def summary(self) -> dict[str, dict]:
        """Per node: requests, 5xx, errors, over 2 s, max and p99 seconds."""
        out: dict[str, dict] = {}
        for name in sorted({s.node for s in self.snapshot()}):
            mine = [s for s in self.snapshot() if s.node == name]
            times = sorted(s.seconds for s in mine)
            out[name] = {"requests": len(mine),
                         "5xx": sum(1 for s in mine if s.status is not None and s.status >= 500
                                    and not s.path.endswith(" /readyz")),
                         "errors": sum(1 for s in mine if s.status is None),
                         "over_2s": sum(1 for s in mine if s.seconds > SLOW),
                         "max_s": round(times[-1], 3) if times else None,
                         "p99_s": round(times[min(len(times) - 1, int(len(times) * 0.99))], 3) if times else None}
        return out


class Client(requests.Session):
    """A browser-like visitor of one node behind a TLS-terminating proxy, each request recorded in `samples`.

    Cookies are host-wide (not per port), so a session signed in on one node is sent to every node."""

    def __init__(self, node: "Node", samples: Samples, address: str = "10.9.0.1"):
        super().__init__()
        self.node, self.samples = node, samples
        host = urlsplit(node.base_url).netloc
        self.headers.update({"X-Forwarded-Proto": "https", "X-Forwarded-For": address,
                             "Referer": f"https://{host}/", "User-Agent": "cluster-check"})

    def on(self, node: "Node") -> "Client":
        """The same visitor (same cookies) on another node."""
        other = Client(node, self.samples, self.headers["X-Forwarded-For"])
        other.cookies.update(self.cookies)
        return other

    def request(self, method, url, *args, **kwargs):
        path = url
        if url.startswith("/"):
            url = self.node.base_url + url
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", REQUEST_TIMEOUT)
        started, at = time.perf_counter(), time.monotonic()
        try:
            response = super().request(method, url, *args, **kwargs)
        except requests.RequestException as error:
            self.samples.add(Sample(self.node.name, f"{method} {path}", None, time.perf_counter() - started, at,
                                    type(error).__name__))
            raise
        self.samples.add(Sample(self.node.name, f"{method} {path}", response.status_code,
                                time.perf_counter() - started, at))
        for cookie in self.cookies:
            cookie.secure = False  # the proxy speaks HTTPS to the browser; the harness talks to the node
        return response

    def token(self, page: str) -> str:
        from tests.blackbox.client import csrf_token

        response = self.get(page)
        token = csrf_token(response.text)
        if not token:
            raise ClusterError(f"no CSRF token on {page} of node {self.node.name} ({response.status_code})")
        return token

    def submit(self, path: str, data: dict, *, form_page: str | None = None, **kwargs) -> requests.Response:
        return self.post(path, data={**data, "csrf_token": self.token(form_page or path)}, **kwargs)


# --- nodes --------------------------------------------------------------------------------------------

@dataclass(eq=False)
class Node:
    name: str
    folder: Path
    env: dict
    port: int = 0
    web: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None
    started_at: float | None = None

    @property
    def base_url(self) -> str:
        return f"http://{LOCAL_HOST}:{self.port}"

    @property
    def web_log(self) -> Path:
        return self.folder / "web.log"

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    @property
    def worker_log(self) -> Path:
        return self.folder / "worker.log"

    def _spawn(self, args: list[str], log_path: Path) -> subprocess.Popen:
        with log_path.open("ab") as log:
            proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,  # noqa: S603
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        _live.add(self)
        return proc

    def start_web(self) -> None:
        self.port = free_port()
        self.web = self._spawn([*WEB_ARGS, "--access-logfile", str(self.access_log),
                                "-b", f"{LOCAL_HOST}:{self.port}"], self.web_log)
        self.started_at = time.monotonic()

    def start_worker(self) -> None:
        self.worker = self._spawn([*FLASK, *WORKER_ARGS], self.worker_log)

    def wait_serving(self, timeout: float = START_TIMEOUT) -> None:
        """Until the node answers anything over HTTP (a 503 of /readyz counts: it serves)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.web.poll() is not None:
                raise ClusterError(f"node {self.name}: gunicorn exited with {self.web.returncode}:\n"
                                   f"{tail(self.web_log)}")
            try:
                requests.get(self.base_url + "/readyz", timeout=2)
                return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise ClusterError(f"node {self.name} did not answer within {timeout:.0f} s:\n{tail(self.web_log)}")
            time.sleep(0.1)

    def check_worker(self) -> None:
        if self.worker is not None and self.worker.poll() is not None:
            said = tail(self.worker_log, 3000)
            last = next((line.strip() for line in reversed(said.splitlines()) if line.strip()), "")
            raise ClusterError(f"node {self.name}: `flask {' '.join(WORKER_ARGS)}` exited with "
                               f"{self.worker.returncode} ({last})\n{said}")

    def stop(self) -> None:
        _stop_group(self.worker, timeout=5)
        _stop_group(self.web, timeout=8)  # gunicorn's graceful stop; a worker stuck in a request is killed
        _live.discard(self)

    def logs(self, limit: int = 4000) -> str:
        return (f"--- node {self.name} web ({self.web_log}) ---\n{tail(self.web_log, limit)}\n"
                f"--- node {self.name} worker ({self.worker_log}) ---\n{tail(self.worker_log, limit)}\n")


class Cluster:
    """The shared settings of the nodes and the commands run with a node's environment."""

    def __init__(self, folder: Path, database_url: str, tag: str | None = None):
        self.folder = folder
        self.database_url = database_url
        self.tag = tag or os.urandom(3).hex()
        self.uploads = folder / "uploads"
        self.uploads.mkdir(parents=True, exist_ok=True)
        self.secret_key = "cluster-" + os.urandom(16).hex()
        self.audit_key = "cluster-audit-" + os.urandom(16).hex()
        self.nodes: dict[str, Node] = {}
        self.samples = Samples()
        self.cli_log = folder / "cli.log"

    def node(self, name: str) -> Node:
        """A node's folders and environment (nothing started)."""
        folder = self.folder / f"node-{name}"
        (folder / "instance").mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "UPLOAD_FOLDER", "PORTAL_CLOCK_FILE", "PAGE_CACHE_SECONDS",
                            "FLASK_DEBUG", "SEARCH_INDEX_DIR")}
        env.update(PORTAL_ENV="production", DATABASE_URL=self.database_url, SECRET_KEY=self.secret_key,
                   AUDIT_KEY=self.audit_key, PORTAL_INSTANCE_PATH=str(folder / "instance"),
                   SEARCH_INDEX_DIR=str(folder / "index"), UPLOAD_FOLDER=str(self.uploads),
                   REDIS_URL=REDIS_URL, RATELIMIT_STORAGE_URI=REDIS_URL,
                   RATELIMIT_KEY_PREFIX=f"portal-cluster-{self.tag}", NODE_NAME=name,
                   PORTAL_TRUSTED_PROXIES="1", PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT))
        node = Node(name, folder, env)
        self.nodes[name] = node
        return node

    def start(self, node: Node, worker: bool = True) -> None:
        node.start_web()
        if worker:
            node.start_worker()
        node.wait_serving()
        node.check_worker()

    def stop(self) -> None:
        """Stop every node, all at once (each waits for its gunicorn's graceful exit)."""
        threads = [threading.Thread(target=node.stop) for node in self.nodes.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def client(self, node: Node, address: str = "10.9.0.1") -> Client:
        return Client(node, self.samples, address)

    # --- commands -----------------------------------------------------------------------------------

    def _command(self, node: Node, args: list[str]) -> list[str]:
        return args if args[0].endswith("python") or args[0] == sys.executable else [*FLASK, *args]

    def run(self, node: Node, args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
        """A command with `node`'s environment (flask's unless it starts with the interpreter)."""
        args = self._command(node, args)
        started = time.monotonic()
        proc = subprocess.Popen(args, cwd=ROOT, env=node.env, stdin=subprocess.DEVNULL,  # noqa: S603
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop_group(proc, timeout=5)
            out, err = proc.communicate()
            self._log(node, args, None, out, err, time.monotonic() - started)
            raise ClusterError(f"`{' '.join(args[-3:])}` on node {node.name} took over {timeout:.0f} s:\n"
                               f"{out[-2000:]}\n{err[-2000:]}") from None
        self._log(node, args, proc.returncode, out, err, time.monotonic() - started)
        return subprocess.CompletedProcess(args, proc.returncode, out, err)

    def run_together(self, nodes: list[Node], args: list[str], timeout: float = 120) -> list:
        """The same command started on several nodes at the same moment; their results in order."""
        results: list = [None] * len(nodes)
        barrier = threading.Barrier(len(nodes))

        def one(i, node):
            barrier.wait()
            try:
                results[i] = self.run(node, args, timeout)
            except ClusterError as error:
                results[i] = error

        threads = [threading.Thread(target=one, args=(i, n)) for i, n in enumerate(nodes)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results

    def _log(self, node, args, code, out, err, seconds) -> None:
        with self.cli_log.open("a", encoding="utf-8") as log:
            log.write(f"=== node {node.name}: {' '.join(args[2:] if args[0] == FLASK[0] else args)} -> {code} "
                      f"in {seconds:.1f} s\n{out[-3000:]}\n{err[-3000:]}\n")

    def stage(self, node: Node) -> dict:
        done = self.run(node, [sys.executable, "-m", "tests.cluster.stage", self.tag], timeout=120)
        if done.returncode != 0:
            raise ClusterError(f"staging failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def logs(self) -> str:
        parts = [node.logs() for node in self.nodes.values()]
        parts.append(f"--- commands ({self.cli_log}) ---\n{tail(self.cli_log, 6000)}")
        return "\n".join(parts)


# --- the monitor --------------------------------------------------------------------------------------

class Monitor:
    """One thread per node reading anonymous pages in turn, from when the node is added until stop()."""

    def __init__(self, cluster: Cluster, paths: list[str], pause: float = 0.05):
        self.cluster, self.paths, self.pause = cluster, paths, pause
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def watch(self, node: Node) -> None:
        thread = threading.Thread(target=self._loop, args=(node,), name=f"monitor-{node.name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _loop(self, node: Node) -> None:
        client = self.cluster.client(node, address=f"10.8.{len(self._threads)}.1")
        paths = list(self.paths)
        random.Random(node.name).shuffle(paths)
        i = 0
        while not self._stop.is_set():
            client.cookies.clear()  # anonymous, always
            with contextlib.suppress(requests.RequestException):  # recorded as an error by the client
                client.get(paths[i % len(paths)])
            i += 1
            self._stop.wait(self.pause)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_TIMEOUT + 2)


# --- data and waiting ----------------------------------------------------------------------------------

PRODUCT_WORDS = ["智能巡检机器人", "工业视觉检测系统", "红外热像仪", "激光雷达", "医学影像工作站", "协作机器人",
                 "数控机床", "无人机", "缺陷检测设备", "网络摄像机", "储能变流器", "盾构机"]
GROUP_SIZE = 100


@dataclass
class Catalogue:
    """The products of the import: each in a group of GROUP_SIZE that one search word finds, all of it."""

    tag: str
    rows: list[dict] = field(default_factory=list)

    def group_word(self, group: int) -> str:
        return f"cq{self.tag}g{group:03d}"

    @property
    def groups(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for row in self.rows:
            out.setdefault(row["group"], set()).add(row["model"])
        return out


def write_products(path: Path, n: int, tag: str) -> Catalogue:
    """A CSV list `flask import-products` reads: `n` products of n // 20 companies."""
    catalogue = Catalogue(tag)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["名称", "型号", "企业名称", "产品类型", "所属领域", "认定级别", "认定年度", "产品简介"])
        for i in range(n):
            word = PRODUCT_WORDS[i % len(PRODUCT_WORDS)]
            group = catalogue.group_word(i // GROUP_SIZE)
            row = {"name": f"{word} {group}", "model": f"CQ{tag}-{i:05d}", "group": group}
            catalogue.rows.append(row)
            writer.writerow([row["name"], row["model"], f"杭州集群{tag}第{i // 20}科技有限公司", "首台（套）装备",
                             "industrial_vision", "省级", 2024, f"集群检查导入的第 {i} 个产品，用于{word}场景。"])
    return catalogue


def wait_for(check: Callable[[], object], timeout: float, pause: float = 0.25):
    """Call `check` until it returns something true, for at most `timeout` seconds: (value, seconds taken).
    The value is None when the time ran out."""
    started = time.monotonic()
    while True:
        value = check()
        if value:
            return value, time.monotonic() - started
        if time.monotonic() - started > timeout:
            return None, time.monotonic() - started
        time.sleep(pause)

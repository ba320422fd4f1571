"""Helpers for tests that serve the portal from a separate process (gunicorn on loopback), with its worker."""

import contextlib
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

LOCAL_HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCAL_HOST, 0))
        return sock.getsockname()[1]


def stop(process: subprocess.Popen, timeout: float = 15) -> None:
    """Ask the server to stop (SIGTERM), and kill it when it does not within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def node_worker(env: dict, cwd: Path, log_path: Path, interval: float = 0.2) -> Iterator[subprocess.Popen]:
    """`flask --app wsgi worker` beside a served portal (same environment and instance), as on every node: requests
    never bring the search index up to date, the worker does (and sends the e-mail). Stopped with SIGTERM on leaving.
    """
    flask = Path(sys.executable).parent / "flask"
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 -- our own command, an argument list
            [str(flask), "--app", "wsgi", "worker", "--interval", str(interval)],
            cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        stop(process)

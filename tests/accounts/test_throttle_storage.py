"""Throttling counts must be shared by every worker: production refuses to start with several workers and
per-process (memory://) counts; elsewhere the log says so."""

import logging
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from portal import create_app
from portal.config import ConfigError
from portal.web import serving
from tests.served import LOCAL_HOST, free_port, stop

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


@pytest.mark.parametrize(("argv", "environ", "workers"), [
    (["pytest"], {}, None),
    (["/usr/bin/python3", "-m", "flask"], {"WEB_CONCURRENCY": "4"}, None),
    (["/srv/.venv/bin/gunicorn", "wsgi:app"], {}, 1),
    (["gunicorn", "--workers", "4", "--bind", "127.0.0.1:8000", "wsgi:app"], {}, 4),
    (["gunicorn", "-w", "3", "wsgi:app"], {}, 3),
    (["gunicorn", "-w2", "wsgi:app"], {}, 2),
    (["gunicorn", "--workers=5", "wsgi:app"], {}, 5),
    (["gunicorn", "wsgi:app"], {"WEB_CONCURRENCY": "6"}, 6),
    (["gunicorn", "wsgi:app"], {"GUNICORN_CMD_ARGS": "--workers 3 --timeout 60"}, 3),
    (["gunicorn", "wsgi:app"], {"WEB_CONCURRENCY": "6", "GUNICORN_CMD_ARGS": "-w 2"}, 2),
    (["gunicorn", "-w", "1", "wsgi:app"], {"WEB_CONCURRENCY": "6", "GUNICORN_CMD_ARGS": "-w 2"}, 1),
    (["gunicorn", "wsgi:app"], {"WEB_CONCURRENCY": "many"}, 1),
], ids=["pytest", "flask", "gunicorn-default", "long-option", "short-option", "joined", "equals",
        "web-concurrency", "cmd-args", "cmd-args-over-env", "command-line-over-all", "bad-env"])
def test_the_worker_count_is_read_as_gunicorn_reads_it(argv, environ, workers, tmp_path):
    assert serving.gunicorn_workers(argv, environ, cwd=str(tmp_path)) == workers


@pytest.mark.parametrize(("argv", "environ", "workers"), [
    (["gunicorn", "-c", "{conf}", "wsgi:app"], {}, 4),
    (["gunicorn", "--config={conf}", "wsgi:app"], {"WEB_CONCURRENCY": "2"}, 4),
    (["gunicorn", "wsgi:app"], {"GUNICORN_CMD_ARGS": "-c {conf}"}, 4),
    (["gunicorn", "-c", "{conf}", "-w", "1", "wsgi:app"], {}, 1),
    (["gunicorn", "-c", "{conf}", "wsgi:app"], {"GUNICORN_CMD_ARGS": "-w 2"}, 2),
    (["gunicorn", "-c", "{broken}", "wsgi:app"], {"WEB_CONCURRENCY": "3"}, 3),
], ids=["file", "file-over-env", "file-named-in-cmd-args", "command-line-over-file", "cmd-args-over-file",
        "unreadable-file"])
def test_a_worker_reads_the_count_from_the_config_file_gunicorn_was_given(tmp_path, argv, environ, workers):
    (tmp_path / "other.conf.py").write_text("import os\nworkers = 2 * 2\nbind = '127.0.0.1:8000'\n")
    (tmp_path / "broken.conf.py").write_text("workers = undefined_name\n")
    paths = {"conf": str(tmp_path / "other.conf.py"), "broken": str(tmp_path / "broken.conf.py")}
    argv = [arg.format(**paths) for arg in argv]
    environ = {key: value.format(**paths) for key, value in environ.items()}
    assert serving.gunicorn_workers(argv, environ, cwd=str(tmp_path)) == workers


def test_a_gunicorn_conf_py_in_the_working_directory_counts_when_no_file_is_named(tmp_path):
    (tmp_path / "gunicorn.conf.py").write_text("workers = 3\n")
    assert serving.gunicorn_workers(["gunicorn", "wsgi:app"], {}, cwd=str(tmp_path)) == 3
    assert serving.gunicorn_workers(["gunicorn", "wsgi:app"], {}, cwd=str(tmp_path / "elsewhere")) == 1


def config(**changes):
    return {"PORTAL_ENV": "production", "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", **changes}


@pytest.mark.parametrize(("changes", "workers", "refused"), [
    ({}, 4, True),
    ({}, 2, True),
    ({}, 1, False),
    ({}, None, False),
    ({"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}, 4, False),
    ({"RATELIMIT_STORAGE_URI": "memcached://127.0.0.1:11211"}, 4, False),
    ({"RATELIMIT_ENABLED": False}, 4, False),
])
def test_production_refuses_several_workers_with_counts_in_memory(changes, workers, refused):
    if refused:
        with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
            serving.check_throttle_storage(config(**changes), workers)
    else:
        serving.check_throttle_storage(config(**changes), workers)


def test_development_only_warns(caplog):
    with caplog.at_level(logging.WARNING):
        serving.check_throttle_storage(config(PORTAL_ENV="development"), 4)

    assert "throttling is not shared" in caplog.text and "4 worker processes" in caplog.text


def test_the_app_factory_refuses_to_build_in_a_production_worker(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret")
    monkeypatch.setenv("AUDIT_KEY", "a-production-audit-key")
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.setattr(sys, "argv", ["/srv/.venv/bin/gunicorn", "--workers", "4", "wsgi:app"])

    with pytest.raises(ConfigError, match="4 worker processes"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})

    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    assert create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})


class FakeLog:
    def __init__(self):
        self.lines = []

    def error(self, message, *args):
        self.lines.append(message % args)

    warning = error


def test_the_gunicorn_hook_stops_the_master_before_any_worker(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret")
    monkeypatch.setenv("AUDIT_KEY", "a-production-audit-key")
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    server = SimpleNamespace(cfg=SimpleNamespace(workers=3), log=FakeLog())

    with pytest.raises(SystemExit):
        serving.on_starting(server)
    assert "3 worker processes" in server.log.lines[0]

    server.cfg.workers = 1
    serving.on_starting(server)  # one worker: its own counts are all the counts


def run_gunicorn(tmp_path, env_changes, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("RATELIMIT_STORAGE_URI", "GUNICORN_CMD_ARGS",
                                                            "WEB_CONCURRENCY", "DATABASE_URL")}
    env.update(PORTAL_INSTANCE_PATH=str(tmp_path), SECRET_KEY="a-production-secret",
               AUDIT_KEY="a-production-audit-key", **env_changes)
    return subprocess.Popen([GUNICORN, "--no-control-socket", "-b", f"{LOCAL_HOST}:{free_port()}", *args,
                             "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def test_real_gunicorn_in_production_with_two_workers_and_memory_counts_does_not_start(tmp_path):
    process = run_gunicorn(tmp_path, {"PORTAL_ENV": "production"}, "-w", "2")
    try:
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            stop(process)

    assert process.returncode != 0
    assert "RATELIMIT_STORAGE_URI" in output and "2 worker processes" in output


def test_real_gunicorn_with_two_workers_set_in_another_config_file_does_not_start(tmp_path):
    other = tmp_path / "other.conf.py"
    other.write_text("workers = 2\n")  # no on_starting hook here: the workers themselves must refuse
    process = run_gunicorn(tmp_path, {"PORTAL_ENV": "production"}, "-c", str(other))
    try:
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            stop(process)

    assert process.returncode != 0
    assert "RATELIMIT_STORAGE_URI" in output and "2 worker processes" in output

"""`flask --app wsgi worker`, one per node: it keeps the node's search index up to date, sends e-mail and runs the
job hooks, each step on its own, until SIGTERM."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import worker
from portal.cluster.models import Node
from portal.search import keeping, store
from portal.search.models import SearchChange
from portal.web import page_cache
from portal.worker.loop import FAILED, Worker

ROOT = Path(__file__).resolve().parents[2]


def newest_change(db) -> int:
    return db.session.scalar(select(func.max(SearchChange.id)))


def run_worker(app, *args):
    return app.test_cli_runner().invoke(args=["worker", "--once", *args])


def test_worker_once_builds_a_missing_index_applies_changes_and_records_the_node(app, db, add_product, nodes):
    node = nodes("node-a")
    node.enter()
    first = add_product()
    built = run_worker(app)
    assert built.exit_code == 0, built.output
    assert "search index built (missing): 1 products, 0 scenarios" in built.output
    assert node.indexed() == {first}

    second = add_product(name="测温型热成像摄像机", model="TC-384")
    applied = run_worker(app)
    assert applied.exit_code == 0 and "applied 1 search changes" in applied.output
    assert node.indexed() == {first, second}

    [row] = db.session.scalars(select(Node))
    assert (row.name, row.pid, row.search_backend) == ("node-a", os.getpid(), "whoosh")
    assert row.search_cursor == newest_change(db) and row.search_generation == node.generation().name
    assert row.epoch == 0 and row.heartbeat_at >= row.started_at


def test_without_a_name_the_node_is_named_by_its_host_and_instance_folder(app, db, search_index):
    app.config["NODE_NAME"] = None
    assert run_worker(app).exit_code == 0
    [name] = db.session.scalars(select(Node.name))
    assert name.startswith(os.uname().nodename[:20]) and len(name) > len(os.uname().nodename)
    app.config["NODE_NAME"] = "named"
    assert run_worker(app).exit_code == 0
    assert set(db.session.scalars(select(Node.name))) == {name, "named"}


def test_an_index_of_an_older_format_is_rebuilt_by_the_worker(app, db, add_product, nodes,
                                                              build_older_format_index):
    node = nodes("a")
    node.enter()
    product = add_product(description="支持表面检测和缺陷分类")
    build_older_format_index()
    old = node.generation()
    assert not store.has_current_format(old)

    done = node.tick()
    assert done["search"]["action"] == "rebuilt" and done["search"]["reason"] == keeping.FORMAT
    assert node.generation() != old and store.has_current_format(node.generation())
    assert node.indexed() == {product}
    assert node.tick()["search"]["action"] == "current"


def test_the_worker_touches_the_page_cache_version_only_when_the_index_moved(app, db, add_product, nodes,
                                                                            monkeypatch):
    app.config["PAGE_CACHE_SECONDS"] = 30  # the heartbeat's commit must not count as a change of the data
    monkeypatch.setattr("portal.notifications.mail.deliver_pending", lambda limit: 0)  # sending mail writes rows
    touched = []
    monkeypatch.setattr(page_cache, "touch_version", lambda app: touched.append(app))
    node = nodes("a")

    assert node.tick()["search"]["action"] == "built"
    assert touched, "a freshly built index must make the pages rendered without it stale"
    touched.clear()
    assert node.tick()["search"]["action"] == "current"
    assert touched == [], "a tick that changed nothing made every cached page stale"

    add_product()
    touched.clear()  # the product's own commit touched it: only the worker's touch counts now
    assert node.tick()["search"]["applied"] >= 1
    assert touched


def test_a_failing_step_is_logged_and_the_others_still_run(app, db, nodes, monkeypatch, caplog):
    delivered, hooks = [], []

    def broken():
        raise RuntimeError("index on fire")

    monkeypatch.setattr(keeping, "keep_up", broken)
    monkeypatch.setattr("portal.notifications.mail.deliver_pending", lambda limit: delivered.append(limit) or 0)
    monkeypatch.setattr(worker, "TICK_HOOKS", [broken, lambda: hooks.append("ran")])
    nodes("a").enter()

    result = run_worker(app)
    assert result.exit_code == 1
    assert delivered == [app.config["MAIL_BATCH_SIZE"]] and hooks == ["ran"]
    assert "the search step failed" in caplog.text and "index on fire" in caplog.text
    assert db.session.scalar(select(func.count()).select_from(Node)) == 1, "the heartbeat was kept"


def test_a_tick_stops_between_steps_once_asked_to(app, db, nodes, monkeypatch):
    nodes("a").enter()
    running = Worker(app)
    monkeypatch.setattr(running, "heartbeat", running.stop)  # SIGTERM arrives during the first step
    report = running.tick()
    assert list(report) == ["heartbeat"] and FAILED not in report.values()


@pytest.mark.real_commits  # the worker is a process of its own on the test's database
def test_sigterm_stops_the_worker_cleanly(app, db, tmp_path):
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "PORTAL_INSTANCE_PATH": str(tmp_path / "instance"), "NODE_NAME": "signalled", "PYTHONUNBUFFERED": "1"}
    env.pop("PORTAL_ENV", None)
    process = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "worker", "--interval", "0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not db.session.scalar(select(Node.id).where(Node.name == "signalled")):
            db.session.rollback()
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "the worker never reported"
            time.sleep(0.1)
        db.session.rollback()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, output
    assert "search index built (missing)" in output and "Traceback" not in output

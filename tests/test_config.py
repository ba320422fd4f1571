"""Configuration rules and the SQLite settings that keep concurrent writers from failing."""

import threading

import pytest
from sqlalchemy import create_engine, event, text

from portal import create_app
from portal.config import ConfigError
from portal.extensions import db


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_production_refuses_to_start_without_the_audit_key(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.delenv("AUDIT_KEY", raising=False)
    with pytest.raises(ConfigError, match="AUDIT_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_production_refuses_the_test_clock(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.setenv("AUDIT_KEY", "a" * 64)
    monkeypatch.setenv("PORTAL_CLOCK_FILE", str(tmp_path / "clock"))
    with pytest.raises(ConfigError, match="PORTAL_CLOCK_FILE"):
        create_app({"INSTANCE_PATH": str(tmp_path)})
    # Only a test harness that says so on purpose keeps it.
    monkeypatch.setenv("PORTAL_TEST_CLOCK_IN_PRODUCTION", "1")
    assert create_app({"INSTANCE_PATH": str(tmp_path), "RATELIMIT_STORAGE_URI": "memory://"})


@pytest.mark.parametrize("content", ["inf", "-inf", "nan", "1e400", "x", ""])
def test_an_odd_test_clock_file_leaves_real_time(monkeypatch, tmp_path, content):
    from datetime import UTC, datetime, timedelta

    from portal.util import clock

    (tmp_path / "clock").write_text(content)
    monkeypatch.setenv("PORTAL_CLOCK_FILE", str(tmp_path / "clock"))
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_production_forbids_debug(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.setenv("AUDIT_KEY", "a" * 64)
    with pytest.raises(ConfigError, match="Debug"):
        create_app({"INSTANCE_PATH": str(tmp_path), "DEBUG": True})


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_production_forbids_debug_asked_for_by_flask_run(monkeypatch, tmp_path, value):
    # `flask run --debug` sets FLASK_DEBUG before the app is built, and would serve Werkzeug's debugger.
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.setenv("AUDIT_KEY", "a" * 64)
    monkeypatch.setenv("FLASK_DEBUG", value)
    with pytest.raises(ConfigError, match="Debug"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_production_starts_with_flask_debug_switched_off(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.setenv("AUDIT_KEY", "a" * 64)
    monkeypatch.setenv("FLASK_DEBUG", "0")
    assert not create_app({"INSTANCE_PATH": str(tmp_path)}).debug


def test_throttling_counts_in_memory_unless_a_store_is_configured(monkeypatch, tmp_path):
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    default = create_app({"INSTANCE_PATH": str(tmp_path)}).config
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    shared = create_app({"INSTANCE_PATH": str(tmp_path)}).config

    assert default["RATELIMIT_ENABLED"] and default["RATELIMIT_STORAGE_URI"] == "memory://"
    assert shared["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    # A store that is down must not turn every sign-in into an error page.
    assert shared["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"]


def test_portals_sharing_one_throttling_store_keep_their_counts_apart_by_prefix(monkeypatch, tmp_path):
    monkeypatch.delenv("RATELIMIT_KEY_PREFIX", raising=False)
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["RATELIMIT_KEY_PREFIX"] == "portal"
    monkeypatch.setenv("RATELIMIT_KEY_PREFIX", "portal-staging")
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["RATELIMIT_KEY_PREFIX"] == "portal-staging"


def test_production_marks_cookies_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.setenv("AUDIT_KEY", "a" * 64)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["REMEMBER_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert not app.debug


def test_local_runs_generate_one_secret_key_and_keep_it(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    second = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_local_runs_generate_one_audit_key_of_their_own_and_keep_it(monkeypatch, tmp_path):
    monkeypatch.delenv("AUDIT_KEY", raising=False)
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)}).config
    second = create_app({"INSTANCE_PATH": str(tmp_path)}).config
    assert first["AUDIT_KEY"] == second["AUDIT_KEY"] and len(first["AUDIT_KEY"]) >= 32
    assert first["AUDIT_KEY"] != first["SECRET_KEY"]
    assert (tmp_path / "audit_key").stat().st_mode & 0o077 == 0


def test_database_url_selects_the_database(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'chosen.sqlite'}")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("chosen.sqlite")


@pytest.fixture
def sqlite_app(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.sqlite'}"})
    with app.app_context():
        db.create_all()
        db.session.execute(text("CREATE TABLE counter (n INTEGER)"))
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_sqlite_runs_in_wal_with_foreign_keys_and_busy_timeout(sqlite_app):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_concurrent_read_then_write_transactions_never_see_database_is_locked(sqlite_app):
    errors = []

    def worker():
        with sqlite_app.app_context():
            for _ in range(40):
                try:
                    n = db.session.execute(text("SELECT count(*) FROM counter")).scalar()
                    db.session.execute(text("INSERT INTO counter (n) VALUES (:n)"), {"n": n})
                    db.session.commit()
                except Exception as error:  # noqa: BLE001 -- any failure is what the test looks for
                    errors.append(repr(error))
                    db.session.rollback()
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert db.session.execute(text("SELECT count(*) FROM counter")).scalar() == 160


def test_without_immediate_transactions_the_same_load_fails(tmp_path):
    """The control experiment: plain deferred transactions do hit 'database is locked'."""
    engine = create_engine(f"sqlite:///{tmp_path / 'plain.sqlite'}", connect_args={"timeout": 1})

    @event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA journal_mode=WAL")

    @event.listens_for(engine, "begin")
    def _deferred_begin(conn):
        conn.exec_driver_sql("BEGIN")

    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE counter (n INTEGER)")
    errors = []
    barrier = threading.Barrier(4)

    def worker():
        barrier.wait()
        for _ in range(40):
            try:
                with engine.begin() as conn:
                    n = conn.exec_driver_sql("SELECT count(*) FROM counter").scalar()
                    conn.exec_driver_sql(f"INSERT INTO counter (n) VALUES ({int(n)})")
            except Exception as error:  # noqa: BLE001
                errors.append(repr(error))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    assert any("locked" in e for e in errors)


def production_app(monkeypatch, tmp_path, **env):
    for name, value in {"PORTAL_ENV": "production", "SECRET_KEY": "s" * 64, "AUDIT_KEY": "a" * 64, **env}.items():
        monkeypatch.setenv(name, value)
    return create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite",
                       "RATELIMIT_STORAGE_URI": "memory://"})


@pytest.mark.parametrize("host", ["evil.example", "portal.hangzhou.gov.cn.evil.example", "evil.example:443"])
def test_production_refuses_a_forged_host_header(monkeypatch, tmp_path, host):
    app = production_app(monkeypatch, tmp_path, PORTAL_BASE_URL="https://portal.hangzhou.gov.cn")
    response = app.test_client().get("/favicon.ico", headers={"Host": host})
    assert response.status_code == 400


@pytest.mark.parametrize("host", ["portal.hangzhou.gov.cn", "127.0.0.1:8000", "localhost"])
def test_production_answers_its_own_hosts(monkeypatch, tmp_path, host):
    app = production_app(monkeypatch, tmp_path, PORTAL_BASE_URL="https://portal.hangzhou.gov.cn")
    response = app.test_client().get("/favicon.ico", headers={"Host": host})
    assert response.status_code == 301


def test_trusted_hosts_can_be_named(monkeypatch, tmp_path):
    app = production_app(monkeypatch, tmp_path, PORTAL_TRUSTED_HOSTS="a.example, .b.example")
    assert app.config["TRUSTED_HOSTS"] == ["a.example", ".b.example"]
    assert app.test_client().get("/favicon.ico", headers={"Host": "x.b.example"}).status_code == 301
    assert app.test_client().get("/favicon.ico", headers={"Host": "127.0.0.1"}).status_code == 400

"""Fixtures: an app per test, each test's writes rolled back at its end (or, for tests that need real commits,
tables emptied before it), on SQLite and, for the modules listed in BOTH_DATABASES, on PostgreSQL too.

Each test runs in a transaction of its own on one connection: the session joins it with a savepoint, so a
`commit()` (the unit of work's, a factory's) releases a savepoint and a `rollback()` undoes only what came after
the last one, and the test's end rolls everything back. A test whose work must be seen by other connections,
threads or processes (served portals, concurrency, backups, migrations, the commit rules themselves) says so with
`@pytest.mark.real_commits` and gets real commits on tables emptied before it.
"""

import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import g, request_started
from flask_sqlalchemy.session import Session as FlaskSession
from hypothesis import settings
from sqlalchemy import text
from werkzeug import security

from portal import create_app, search
from portal.accounts.models import Role, User
from portal.extensions import db as _db
from portal.extensions import limiter as _limiter
from portal.util import clock
from tests.scratch_db import scratch_postgres

# Property tests check rules, not speed (speed is measured by bench/): no per-example deadline, which a loaded
# machine would otherwise turn into a failure of a rule that holds.
settings.register_profile("portal", deadline=None)
settings.load_profile("portal")

pytest_plugins = ["tests.factories"]

# The portal hashes passwords with Werkzeug's default, scrypt at N=2^15: a tenth of a second of CPU per hash and per
# check, on purpose. The tests sign in, register and change passwords thousands of times: in this process scrypt
# runs at N=2^8 (same format and checks, a millisecond). Served portals (browser, blackbox, cluster) keep the cost.
security.generate_password_hash.__defaults__ = ("scrypt:256:8:1", *security.generate_password_hash.__defaults__[1:])

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]
TESTS = Path(__file__).parent

# Modules (or folders) whose tests run on PostgreSQL as well as on SQLite; every other test runs on SQLite only,
# so a new module runs once unless it is listed here. A module belongs here when what it checks depends on the
# database: SQL written or shaped by hand, locking and concurrent writers, transactions and savepoints,
# dialect-specific types and functions, dumps. Pages, forms, templates, translations, permissions and pure
# functions go through the same ORM queries that the modules below hold to both databases, and run once.
# A single test asks for both with @pytest.mark.both_databases (the seal clause's in test_seal_invariant.py).
# tests/test_migrations.py and the upgrade test of tests/test_audit_chain.py make databases of their own on both.
BOTH_DATABASES = {
    "test_harness.py": "the transactions and savepoints every other test runs in",
    "backup": "dumps and restores are dialect-specific (sqlite3 backup API, pg_dump/psql)",
    "search/test_synonym_table.py": "two nodes' apps on one database; the first save's row under a savepoint",
    "test_unit_of_work.py": "commit and rollback of a request's work, savepoints, files of uncommitted rows",
    "test_audit_chain.py": "the hash chain under concurrent writers (row locks on PostgreSQL, BEGIN IMMEDIATE on "
                           "SQLite)",
    "test_audit_seal.py": "the seal clause is SQL that hides audit records until the deadline",
    "test_audit_anchors.py": "anchors read the chain head in a transaction of their own",
    "test_state_predicates.py": "every state predicate has an SQL twin that must agree with it",
    "proposals/test_rules.py": "one proposal per enterprise under concurrent tabs (locks, unique constraints)",
    "proposals/test_two_processes.py": "two processes submitting at once (PostgreSQL only)",
    "proposals/test_worker_kill.py": "a killed worker's transaction is rolled back by the server",
    "notifications/test_operations.py": "dedupe keys under concurrent transactions (savepoint on unique violation)",
    "notifications/test_outbox.py": "the mail outbox claimed row by row by concurrent deliveries",
    "test_jobs.py": "each scheduled job claimed once per slot by concurrent callers (unique constraint)",
    "search/test_changes.py": "the search change log in the writer's transaction, applied after commit, "
                              "under concurrent writers",
    "search/test_postgresql_backend.py": "the PostgreSQL search backend itself: GIN lookups, versions, parity with "
                                         "Whoosh",
    "search/test_real_lists.py": "the judged real lists, ranked by each search backend",
    "search/test_request_path.py": "searching the database while a node has no index: ILIKE, escaping, filters",
    "test_query_counts.py": "the statements of every list page, counted as each database is sent them",
    "test_paging.py": "counts, ordering and offsets in SQL, for every list",
    "dashboard/test_statistics.py": "aggregates, date arithmetic and grouping in SQL",
    "dashboard/test_snapshots.py": "figures stored as JSON with the next time-driven change, read back as counted",
    "api/test_endpoints.py": "filters, totals and ordering of the open-data API in SQL",
    "scenarios/test_public_pages.py": "the public list's filters and ordering in SQL",
    "test_health.py": "the health checks' queries of the change log, and a database that does not answer",
    "worker/test_nodes.py": "pruning the change log below the slowest live node, the node registry's upserts",
    "web/test_cluster_page_cache.py": "nodes on one database: the data version row raised and read by each",
}


def _on_both_databases(path: Path) -> bool:
    relative = path.relative_to(TESTS).as_posix()
    return any(relative == listed or relative.startswith(listed + "/") for listed in BOTH_DATABASES)


def pytest_generate_tests(metafunc):
    """Put each test that uses the database on SQLite, and on PostgreSQL too when its module is listed above."""
    if "database_url" not in metafunc.fixturenames:
        return
    both = (_on_both_databases(Path(str(metafunc.definition.path)))
            or metafunc.definition.get_closest_marker("both_databases") is not None)
    metafunc.parametrize("database_url", BACKENDS if both else BACKENDS[:1], indirect=True, scope="session")


# Folders whose tests share one served portal (a session fixture): under pytest-xdist each folder runs on one
# worker (`--dist loadgroup`), so the portal is started once and no two tests drive it at the same time. The browser
# journeys are independent of each other: there each module is a group of its own, so that they can run on two
# workers at once (each with its own portal) instead of making the longest group of the run.
SERVED_GROUPS = ("browser", "blackbox", "cluster")
# The longest first: xdist hands the groups out in this order, before the other tests.
LONGEST_GROUPS_FIRST = ("cluster", "blackbox", "browser")


def _served_group(path: Path) -> str | None:
    try:
        parts = path.relative_to(TESTS).parts
    except ValueError:
        return None
    if len(parts) < 2 or parts[0] not in SERVED_GROUPS:
        return None
    return "/".join(parts[:2]) if parts[0] == "browser" else parts[0]


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    for item in items:
        group = _served_group(Path(str(item.path)))
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` by the groups above, read from each test's path: pytest 9.2 ignores the group that
    pytest-xdist 3.8 writes into the test's id (pytest-xdist#1386), which spread every group over every worker,
    each starting portals of its own. The longest groups go first, each followed by one short test, so that no
    worker is handed two long groups at the start."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class ServedGroupScheduling(LoadGroupScheduling):
        served: set[str] = set()
        ordered = False

        def _split_scope(self, nodeid):
            group = _served_group(config.rootpath / nodeid.split("::")[0])
            if group is None:
                return super()._split_scope(nodeid)
            self.served = self.served | {group}
            return group

        def _assign_work_unit(self, node):
            if not self.ordered:
                self.ordered = True
                served = sorted(self.served & self.workqueue.keys(), key=lambda group: (
                    LONGEST_GROUPS_FIRST.index(group.split("/")[0]), -len(self.workqueue[group])))
                others = [scope for scope in self.workqueue if scope not in self.served]
                order = []
                for number, group in enumerate(served):
                    order.append(group)
                    if number and others:
                        order.append(others.pop(0))
                for scope in reversed(order):
                    self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return ServedGroupScheduling(config, log)


def _empty_all_tables() -> None:
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    if _db.engine.dialect.name == "postgresql":
        _db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            _db.session.execute(text(f"DELETE FROM {table}"))
    _db.session.commit()


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL run skipped: set TEST_DATABASE_URL to run the suite on PostgreSQL too")
    # A database of this run's own on that server, so simultaneous runs never empty each other's tables.
    with scratch_postgres(PG_URL, "portal_test") as url:
        yield url


@pytest.fixture(scope="session")
def _session_app(database_url, tmp_path_factory):
    """One app (and one compiled template cache) per database backend; tests share it, not its data."""
    app = create_app({
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "localhost",
        # A test's rows are rolled back without the ORM; tests/test_page_cache.py covers the cache.
        "PAGE_CACHE_SECONDS": 0,
        "REDIS_URL": None,  # whatever the environment says; tests that want Redis name their own database
        # Anchors would put a message in every admin's inbox on a test's first audited commit;
        # tests/test_audit_anchors.py turns them on.
        "AUDIT_ANCHOR_AUTO": False,
        # Tests move the portal clock by weeks with users signed in; tests/accounts/test_sessions.py covers it.
        "SESSION_MAX_AGE": None,
        # Tests create rows and search at once: requests and searches keep the index (tests/search/test_request_path.py
        # covers the production setting, where only the index worker does).
        "SEARCH_APPLY_IN_REQUESTS": True,
    })
    with app.app_context():
        _db.drop_all()
        _db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        _db.session.commit()
        _db.create_all()
        _db.session.remove()
    yield app
    _ModuleData.close_current()
    with app.app_context():
        _db.engine.dispose()


def _forget_g(sender, **extra):
    # The test keeps an app context pushed and Flask reuses it for requests; a real request starts
    # with an empty `g` (no cached user, CSRF token or locale), so give each test request one too.
    g.__dict__.clear()


class _JoinedSession(FlaskSession):
    """The portal's session on the test's connection, whatever the table (Flask-SQLAlchemy would pick the
    engine); another app made during the test (a second node, a scratch database) keeps its own engine."""

    def get_bind(self, *args, **kwargs):
        if self._db.engine is self.bind.engine:
            return self.bind
        return super().get_bind(*args, **kwargs)


class _Connection:
    """One connection in a transaction that is rolled back at the end; `db.session` joins it while a test runs.

    A test opens a savepoint of its own on it, so that a world shared by the tests of a module (built once,
    before the first of them) stays while each test's own writes go.
    """

    def __init__(self):
        self.connection = _db.engine.connect()
        self.outer = self.connection.begin()
        self.portal_session = None

    def join(self):
        """Bind `db.session` to this connection; a session commit releases a savepoint of the test's."""
        self.portal_session = _db.session
        _db.session = _db._make_scoped_session({"class_": _JoinedSession, "bind": self.connection,
                                                "join_transaction_mode": "create_savepoint"})

    def leave(self):
        _db.session.remove()
        _db.session = self.portal_session

    def close(self):
        self.outer.rollback()
        self.connection.close()


class _TestTransaction:
    """A test's work: its own savepoint on a shared connection (a module's world) or a connection of its own."""

    def __init__(self, shared: "_ModuleData | None" = None):
        self.shared = shared
        self.base = shared.connection if shared else _Connection()
        self.savepoint = self.base.connection.begin_nested() if shared else None
        self.base.join()

    def close(self):
        self.base.leave()
        if self.savepoint is not None:
            if self.savepoint.is_active:
                self.savepoint.rollback()
        else:
            self.base.close()


class _ModuleData:
    """What the tests of one module on one database start from (the `world`, the demo data): built once, in a
    transaction that outlives those tests and is rolled back after the last of them."""

    current: "_ModuleData | None" = None

    def __init__(self, key):
        self.key = key
        # Files the data stores (attachments, images) go to a folder of its own, copied into each test's.
        self.folder = Path(tempfile.mkdtemp(prefix="module-data-"))
        self.connection = _Connection()
        self.connection.join()
        from flask import current_app

        config = current_app.config
        upload_folder = config["UPLOAD_FOLDER"]
        config["UPLOAD_FOLDER"] = str(self.uploads)
        try:
            module = sys.modules[key[0]]
            self.values = {name: MODULE_DATA[name](module) for name in key[2]}
        except BaseException:
            self.connection.leave()
            self.connection.close()
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        finally:
            config["UPLOAD_FOLDER"] = upload_folder
        self.connection.leave()

    @property
    def uploads(self) -> Path:
        return self.folder / "uploads"

    def copy_files_to(self, uploads: str) -> None:
        """Give a test's upload folder the files of this data (its own copies, whatever the test does to them)."""
        if self.uploads.is_dir():
            shutil.copytree(self.uploads, uploads, dirs_exist_ok=True)

    @classmethod
    def for_test(cls, key) -> "_ModuleData | None":
        """The data of `key` (built now if it is not the current one's); None closes the current one."""
        if cls.current is not None and cls.current.key != key:
            cls.close_current()
        if key is not None and cls.current is None:
            cls.current = cls(key)
        return cls.current

    @classmethod
    def close_current(cls) -> None:
        if cls.current is not None:
            current, cls.current = cls.current, None
            current.connection.close()
            shutil.rmtree(current.folder, ignore_errors=True)


def _private_folders(config: dict, folder: Path) -> None:
    """Everything the app writes outside the database goes to the test's own folder: nothing a test leaves
    (files of rolled-back rows, an index of rows that no longer exist, e-mail) is seen by another."""
    config["AUDIT_ANCHOR_DIR"] = str(folder / "audit-anchors")
    config["SEARCH_INDEX_DIR"] = str(folder / "index")
    config["SYNONYMS_FILE"] = str(folder / "synonyms.txt")
    config["MAIL_OUTBOX"] = str(folder / "outbox")
    config["UPLOAD_FOLDER"] = str(folder / "uploads")
    (folder / "uploads").mkdir(parents=True, exist_ok=True)


@pytest.fixture
def app(_session_app, tmp_path, request):
    """The app with an empty database (but for the module's `world`) and its configuration restored after the
    test."""
    saved = dict(_session_app.config)
    _private_folders(_session_app.config, tmp_path)
    search.forget_cached_thesaurus()  # rolled-back tests reuse the thesaurus version numbers
    request_started.connect(_forget_g, _session_app)
    real_commits = request.node.get_closest_marker("real_commits") is not None
    shared = tuple(name for name in MODULE_DATA if name in request.fixturenames and not real_commits)
    with _session_app.app_context():
        # One module's data is kept at a time: on SQLite its transaction holds the write lock.
        shared = _ModuleData.for_test((request.node.module.__name__, id(_session_app), shared) if shared else None)
        if shared is not None and not real_commits:
            shared.copy_files_to(_session_app.config["UPLOAD_FOLDER"])
        if real_commits:
            _empty_all_tables()
            transaction = None
        else:
            transaction = _TestTransaction(shared)
        # Throttling stays on in tests; each test starts with fresh in-memory counts (binding again also
        # undoes a test that pointed the one limiter at another app or store).
        _limiter.init_app(_session_app)
        try:
            yield _session_app
        finally:
            if transaction is not None:
                transaction.close()
            _db.session.remove()
            if real_commits:  # the next test may be one in a transaction: it starts from empty tables too
                _empty_all_tables()
                _db.session.remove()
            request_started.disconnect(_forget_g, _session_app)
            _session_app.config.clear()
            _session_app.config.update(saved)
            clock.set_now(None)


@pytest.fixture(scope="module", autouse=True)
def _module_data_ends_with_its_module():
    yield
    _ModuleData.close_current()


@pytest.fixture
def module_data(request, app):
    """The values of the MODULE_DATA this test asked for, built once for its module; None with real commits."""
    shared = _ModuleData.current
    if shared is not None and shared.key[:2] == (request.node.module.__name__, id(app)):
        return shared.values
    return None


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def csrf_app(app):
    """The same app with CSRF protection on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture
def frozen_now():
    """Freeze the portal clock at a fixed moment and return a function to move it."""
    start = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Hangzhou
    clock.set_now(start)
    yield clock
    clock.set_now(None)


class World:
    """One of every role and object the access rules tell apart.

    `objects` holds ids by name; names a domain registers in tests/access BUILDERS are built on first use.
    """

    def __init__(self, request, users, objects):
        self.request, self.users, self.objects = request, users, objects

    def fixture(self, name):
        return self.request.getfixturevalue(name)

    def resolve(self, value):
        if not isinstance(value, str):
            return value
        if value not in self.objects:
            from tests.access import collect

            builders = collect()[1]
            if value not in builders:
                return value  # a literal URL value such as a language code
            self.objects[value] = builders[value](self)
        return self.objects[value]

    def url_for(self, endpoint, args):
        from flask import url_for

        return url_for(endpoint, **{k: self.resolve(v) for k, v in args.items()})


class _ModuleWorld(World):
    """The world while it is built for a module: the factories a builder asks for are made here, not fixtures."""

    def __init__(self, users, objects, makers):
        super().__init__(None, users, objects)
        self.makers = makers

    def fixture(self, name):
        return self.makers[name]


def _build_world(module=None):
    """The users and objects every access test starts from: (user ids by role, object ids by name).

    A module that sets WORLD_HAS_EVERY_OBJECT = True gets every object of tests/access BUILDERS built here too,
    once for its tests, instead of on first use in each test.
    """
    from tests import factories  # a plugin of this conftest's, imported by pytest first

    create_org = factories.org_factory(_db)
    create_user = factories.user_factory(_db, create_org)
    create_batch = factories.batch_factory(_db, create_user)
    create_scenario = factories.scenario_factory(_db, create_batch)
    owner = create_user(Role.GOVERNMENT)
    published_batch = create_batch(owner)
    published_scenario = create_scenario(published_batch, state="published")
    draft_batch = create_batch(owner)
    draft_scenario = create_scenario(draft_batch)
    pending = create_user(Role.ENTERPRISE, verified=False)
    users = {
        "anonymous": None,
        "enterprise": create_user(Role.ENTERPRISE),
        "pending_enterprise": pending,
        "reviewer": create_user(Role.REVIEWER),
        "department": owner,
        "other_department": create_user(Role.GOVERNMENT),
        "admin": create_user(Role.ADMIN),
    }
    objects = {
        "published_batch": published_batch.id,
        "published_scenario": published_scenario.id,
        "draft_batch": draft_batch.id,
        "draft_scenario": draft_scenario.id,
        "pending_org": pending.organization_id,
        "enterprise_user": users["enterprise"].id,
    }
    if getattr(module, "WORLD_HAS_EVERY_OBJECT", False):
        from tests.access import collect

        makers = {"db": _db, "create_user": create_user, "create_scenario": create_scenario,
                  "submit_proposal": factories.submit_proposal_factory(_db),
                  "stored_file": factories.stored_file_factory()}
        world = _ModuleWorld(users, objects, makers)
        for name in sorted(collect()[1]):
            world.resolve(name)
        # Names starting with "_" hold a builder's objects of this session, not ids.
        objects = {name: value for name, value in world.objects.items() if not name.startswith("_")}
    return {role: user and user.id for role, user in users.items()}, objects


def _seed_demo(module=None) -> str:
    """`flask seed-demo`, hashing the demo accounts' one password once per run (scrypt is slow on purpose)."""
    from flask import current_app

    from portal.accounts import models as account_models

    real = account_models.generate_password_hash
    account_models.generate_password_hash = lambda password, *a, **kw: _DEMO_HASHES.setdefault(
        password, real(password, *a, **kw))
    try:
        result = current_app.test_cli_runner().invoke(args=["seed-demo"])
    finally:
        account_models.generate_password_hash = real
    assert result.exit_code == 0, result.output
    return result.output


_DEMO_HASHES: dict[str, str] = {}

# Fixtures whose data the tests of a module share: built once per module (see `module_data`), each test's
# changes to it rolled back. Name → builder, called in an app context on the module's connection.
MODULE_DATA = {"world": _build_world, "seeded": _seed_demo}


@pytest.fixture
def world(request, module_data, db):
    """One of every role and object the access rules tell apart, built once for the tests of a module (each
    test's own changes to it are rolled back); with real commits, built for the test."""
    user_ids, objects = module_data["world"] if module_data else _build_world()
    objects = dict(objects)
    users = {role: user_id and db.session.get(User, user_id) for role, user_id in user_ids.items()}
    return World(request, users, objects)


def pytest_report_header(config):
    databases = ("SQLite, and PostgreSQL for the modules in tests/conftest.py BOTH_DATABASES" if PG_URL
                 else "SQLite only (set TEST_DATABASE_URL to add PostgreSQL)")
    return f"portal test databases: {databases}"


def pytest_terminal_summary(terminalreporter):
    reasons = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reasons[reason.removeprefix("Skipped: ")] = reasons.get(reason.removeprefix("Skipped: "), 0) + 1
    for reason, count in sorted(reasons.items()):
        terminalreporter.write_line(f"skipped {count}: {reason}")
    # Quality figures a test measured (record_property("figure:<name>", text)), e.g. the matching's precision@5.
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        for name, value in getattr(report, "user_properties", ()):
            if report.when == "call" and str(name).startswith("figure:"):
                terminalreporter.write_line(f"{name.removeprefix('figure:')}: {value}")

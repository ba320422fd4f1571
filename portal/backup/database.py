"""The database half of a backup: SQLite through its online backup API, PostgreSQL through pg_dump and psql.

Both take one consistent snapshot while the portal keeps running: SQLite's backup API copies the
database as of one read transaction (WAL lets writers carry on), and pg_dump imports a snapshot exported
by the transaction that also counts the rows, so the counts in the manifest describe exactly the dump.
No shell is involved: connection settings go to libpq as a quoted conninfo, the password through the
environment (never on a command line that `ps` shows).
"""

import contextlib
import os
import shutil
import sqlite3

# pg_dump and psql run with argument lists, never through a shell.
import subprocess  # nosec B404
from collections.abc import Iterator
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import URL, create_engine, inspect, text

from portal.backup.manifest import BackupError
from portal.extensions import db
from portal.uploads import references
from portal.uploads.references import Reference

SQLITE_FILE = "database.sqlite"
PG_FILE = "database.sql"
ALEMBIC_TABLE = "alembic_version"
# libpq settings that may ride in the URL's query string (e.g. ?sslmode=require, ?host=/run/postgresql).
LIBPQ_QUERY_KEYS = ("host", "hostaddr", "port", "sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword",
                    "connect_timeout", "application_name", "options", "target_session_attrs", "service",
                    "passfile", "gssencmode")
PG_TIMEOUT = 6 * 3600
LOCK_TIMEOUT = "60s"


def backend() -> str:
    return db.engine.dialect.name


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- SQLite --------------------------------------------------------------------------------------

def sqlite_path() -> Path:
    path = db.engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        raise BackupError(_("只能备份和恢复保存在文件中的 SQLite 数据库。"))
    return Path(path)


def sqlite_snapshot(target: Path) -> tuple[dict[str, int], str | None, list[Reference]]:
    """Copy the live database into `target` in one read transaction; return its row counts, revision and the
    stored files its rows name."""
    source = sqlite3.connect(f"file:{sqlite_path()}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # all pages in one step: one consistent read snapshot
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        copy.commit()
    finally:
        source.close()
        copy.close()
    return *sqlite_file_facts(target), sqlite_file_references(target)


def sqlite_file_references(path: Path) -> list[Reference]:
    """The stored files the rows of the SQLite database file `path` name (read only)."""
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with engine.connect() as conn:
            return references.referenced_files(conn)
    finally:
        engine.dispose()


def sqlite_file_facts(path: Path) -> tuple[dict[str, int], str | None]:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        names = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        counts = {name: conn.execute(f"SELECT count(*) FROM {quote_identifier(name)}").fetchone()[0]  # noqa: S608  # nosec B608
                  for name in names}
        revision = None
        if ALEMBIC_TABLE in counts:
            row = conn.execute(f"SELECT version_num FROM {ALEMBIC_TABLE}").fetchone()  # noqa: S608  # nosec B608
            revision = row[0] if row else None
    return counts, revision


def sqlite_restore(source: Path) -> None:
    """Replace the target database's content with the backup's, page by page, through SQLite itself."""
    db.session.remove()
    db.engine.dispose()
    target = sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    live = sqlite3.connect(target, timeout=30)
    try:
        backup.backup(live)
        live.execute("PRAGMA journal_mode=WAL")
        live.commit()
    finally:
        backup.close()
        live.close()


# --- PostgreSQL ----------------------------------------------------------------------------------

def _conninfo(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq conninfo string for `url` (values quoted) and the environment that carries the password."""
    settings = {"dbname": url.database, "host": url.host, "port": url.port, "user": url.username}
    for key in LIBPQ_QUERY_KEYS:
        value = url.query.get(key)
        if value is not None:
            settings[key] = value if isinstance(value, str) else value[-1]
    quoted = " ".join(f"{key}='{_libpq_escape(str(value))}'" for key, value in settings.items()
                      if value not in (None, ""))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return quoted, env


def _libpq_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(_("找不到 %(tool)s：请安装与数据库服务器同一主版本的 PostgreSQL 客户端。", tool=name))
    return path


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT,  # noqa: S603  # nosec B603
                            check=False)
    if result.returncode != 0:
        raise BackupError(_("%(what)s失败（%(tool)s 退出码 %(code)s）：%(error)s", what=what,
                            tool=Path(args[0]).name, code=result.returncode, error=result.stderr.strip()[-2000:]))


@contextlib.contextmanager
def _exported_snapshot() -> Iterator[tuple[str, dict[str, int], str | None, list[Reference]]]:
    """Hold a repeatable-read transaction open; yield its snapshot id, row counts, schema revision and the
    stored files its rows name."""
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            names = sorted(inspect(conn).get_table_names(schema="public"))
            counts = {name: conn.execute(text(f"SELECT count(*) FROM public.{quote_identifier(name)}")).scalar_one()  # noqa: S608  # nosec B608
                      for name in names}
            revision = None
            if ALEMBIC_TABLE in counts:
                revision = conn.execute(text(f"SELECT version_num FROM public.{ALEMBIC_TABLE}")).scalar()  # noqa: S608  # nosec B608
            yield snapshot, counts, revision, references.referenced_files(conn)


def pg_snapshot(target: Path) -> tuple[dict[str, int], str | None, list[Reference]]:
    """pg_dump (plain SQL, no owners or grants) of exactly the snapshot whose rows are counted."""
    conninfo, env = _conninfo(db.engine.url)
    pg_dump = _tool("pg_dump")
    with _exported_snapshot() as (snapshot, counts, revision, named):
        _run([pg_dump, "--format=plain", "--no-owner", "--no-privileges",
              f"--snapshot={snapshot}", f"--file={target}", f"--dbname={conninfo}"], env, _("导出数据库"))
    return counts, revision, named


def pg_restore(source: Path) -> None:
    """Drop what the target schema holds and load the dump, in one transaction: all of it or none."""
    db.session.remove()
    conninfo, env = _conninfo(db.engine.url)
    with db.engine.connect() as conn:
        tables = sorted(inspect(conn).get_table_names(schema="public"))
        sequences = sorted(inspect(conn).get_sequence_names(schema="public"))
    # A portal still running against the target would hold locks: fail after a while instead of hanging.
    drops = [f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}';"]
    if tables:
        drops.append(f"DROP TABLE IF EXISTS {', '.join('public.' + quote_identifier(t) for t in tables)} CASCADE;")
    drops += [f"DROP SEQUENCE IF EXISTS public.{quote_identifier(s)} CASCADE;" for s in sequences]
    args = [_tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
            f"--dbname={conninfo}"]
    for statement in drops:
        args.append(f"--command={statement}")
    args.append(f"--file={source}")
    db.engine.dispose()
    _run(args, env, _("恢复数据库"))


# --- both ----------------------------------------------------------------------------------------

def live_counts() -> dict[str, int]:
    """Rows per table in the target database now (tables that do not exist are left out)."""
    schema = "public" if backend() == "postgresql" else None
    with db.engine.connect() as conn:
        names = sorted(inspect(conn).get_table_names(schema=schema))
        prefix = "public." if schema else ""
        return {name: conn.execute(text(f"SELECT count(*) FROM {prefix}{quote_identifier(name)}")).scalar_one()  # noqa: S608  # nosec B608
                for name in names}


def snapshot(target_dir: Path) -> tuple[str, dict[str, int], str | None, list[Reference]]:
    """Write the database snapshot into `target_dir`; return its file name, row counts, revision and the stored
    files the snapshot's rows name."""
    if backend() == "sqlite":
        return SQLITE_FILE, *sqlite_snapshot(target_dir / SQLITE_FILE)
    if backend() == "postgresql":
        return PG_FILE, *pg_snapshot(target_dir / PG_FILE)
    raise BackupError(_("不支持备份 %(backend)s 数据库。", backend=backend()))


def restore(source: Path) -> None:
    if backend() == "sqlite":
        sqlite_restore(source)
    else:
        pg_restore(source)

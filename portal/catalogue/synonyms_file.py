"""The synonym table of an older release: a file in each node's instance folder (`SYNONYMS_FILE`,
`synonyms.txt`). The table now lives in the database (search_synonyms); such a file is imported once, when the
portal starts, and renamed so that it is never read again.

Why at start: every process of the node that held the file passes through the app factory (gunicorn,
`flask --app wsgi worker`, `make run`, any `flask` command), so the table reaches the database before the first
search of any node, without waiting for an administrator to open the page. Without a file it costs one `stat`.
Before `flask db upgrade` has created the table the file is left where it is, for the next start.

The database wins: a file found once the database already holds a table (saved on the admin page, or imported
from another node) is not imported; it is renamed `synonyms.txt.not-imported` and a warning names it, so an old
file left on some node never overwrites what an administrator saved since. A restored backup of an older release
brings its table the same way (portal/backup/restore.py), replacing what the database held.
"""

import logging
import os
from pathlib import Path

from flask import Flask
from sqlalchemy import inspect

from portal import audit, search
from portal.extensions import db
from portal.search import synonyms
from portal.search.models import SynonymTable
from portal.web import unit_of_work

log = logging.getLogger(__name__)
IMPORTED = "imported"
NOT_IMPORTED = "not-imported"


def import_file(path: Path, replace: bool = False) -> str | None:
    """Bring the table in `path` into the database when it holds none yet (or `replace`), audited; return
    IMPORTED, NOT_IMPORTED (the database keeps its own) or None (no file, or no table before the upgrade).
    The caller commits, then calls `set_aside`. The text is taken as it is: a line that does not parse is
    left out of searches until an administrator corrects it on the page."""
    if not path.is_file() or not inspect(db.session.connection()).has_table(SynonymTable.__tablename__):
        return None
    text = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
    if replace:
        search.save_synonym_table(text, by_id=None)
    elif search.synonym_table() is not None or search.create_synonym_table(text, by_id=None) is None:
        held = search.synonym_table()
        return IMPORTED if held.text == text else NOT_IMPORTED  # the same text: another process imported it
    audit.record(None, "search.synonyms_import", None, groups=synonyms.count_lines(text), file=str(path))
    return IMPORTED


def set_aside(path: Path, outcome: str) -> Path | None:
    """Rename the file after `import_file` so it is not read again; None when another process already did."""
    target = path.with_name(f"{path.name}.{outcome}")
    try:
        os.replace(path, target)
    except FileNotFoundError:
        return None
    return target


def import_at_start(app: Flask) -> str | None:
    """At start: import this node's synonym file of an older release, if there is one (see the module)."""
    path = Path(app.config["SYNONYMS_FILE"])
    if not path.is_file():
        return None
    with app.app_context():
        try:
            with unit_of_work.separate_unit():
                outcome = import_file(path)
        except Exception:
            log.exception("the synonym file %s could not be imported into the database; it stays for the next start",
                          path)
            return None
        finally:
            db.session.remove()
            db.engine.dispose()  # processes forked after this start with connections of their own
    if outcome is None:
        log.warning("synonym file %s not imported yet: the database has no table search_synonyms "
                    "(run flask --app wsgi db upgrade)", path)
        return None
    moved = set_aside(path, outcome)
    if outcome == NOT_IMPORTED:
        log.warning("synonym file %s not imported: the database already holds the administrators' synonym table; "
                    "the file was renamed %s (compare it on the admin page)", path, moved)
    else:
        log.info("synonym file %s imported into the database and renamed %s", path, moved)
    return outcome

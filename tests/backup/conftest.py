"""Backup fixtures: a populated portal built through the operations, and a fresh instance to restore into."""

import contextlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import JSON, MetaData, select

from portal import create_app
from portal.accounts.models import Role
from portal.announcements import operations as announcement_ops
from portal.catalogue import operations as catalogue_ops
from portal.extensions import db as _db
from tests.announcements import helpers as announcement_helpers
from tests.catalogue import conftest as catalogue
from tests.catalogue.conftest import PNG, stored
from tests.reviews import helpers
from tests.scratch_db import scratch_postgres

# The catalogue's fixtures, used here too: products built through the operations, a private index per test.
create_product, search_index = catalogue.create_product, catalogue.search_index


@dataclass
class Portal:
    """The populated portal: a few ids a test checks after the restore."""

    product_id: int
    scenario_id: int
    receipts: list[str]


@pytest.fixture
def own_uploads(app, tmp_path, monkeypatch):
    """An upload folder of this test's own: files other tests left in the shared one are not this portal's."""
    folder = tmp_path / "uploads"
    folder.mkdir(exist_ok=True)
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder


@pytest.fixture
def populated(app, db, own_uploads, frozen_now, create_user, create_scenario, submit_proposal, stored_file,
              create_product):
    """Every kind of row: accounts of each role, scenarios, proposals with attachments, reviews, a decision
    in 公示 with an objection carrying a file, catalogue products with an image, notifications, audit records,
    and an administrator's synonym line."""
    bidders = [create_user(Role.ENTERPRISE) for _ in range(3)]
    reviewers = [create_user(Role.REVIEWER) for _ in range(5)]
    scenario, versions = helpers.closed_scenario(
        create_scenario, submit_proposal, bidders,
        files_for=lambda b: [stored_file(name=f"{b.organization.name}方案.pdf"), stored(PNG, "现场照片.png")])
    proposals = helpers.fully_reviewed(scenario, reviewers, [[90, 88, 85, 91, 87], [70, 75, 72, 74, 71],
                                                             [60, 65, 62, 61, 66]])
    announcement_helpers.decided(scenario, proposals[:1])
    announcement_helpers.announced(scenario)
    announcement_ops.file_objection(scenario, bidders[1], text="评分有误，请复核。",
                                    upload=stored_file(name="异议材料.pdf"))
    db.session.commit()
    open_scenario = create_scenario(state="published", title="变电站红外测温巡检")
    product = create_product(name="非制冷红外热像仪", image=stored(PNG, "产品照片.png"))
    create_product(name="工业视觉缺陷检测系统", state="pending")
    catalogue_ops.save_synonyms(create_user(Role.ADMIN), "热像仪, 红外相机\n")
    db.session.commit()
    return Portal(product_id=product.id, scenario_id=open_scenario.id, receipts=[v.receipt_no for v in versions])


@pytest.fixture
def restored_app(database_url, tmp_path):
    """A second portal instance with an empty database of its own (a scratch database on PostgreSQL)."""
    instance = tmp_path / "restored-instance"
    with contextlib.ExitStack() as stack:
        if database_url.startswith("sqlite"):
            url = f"sqlite:///{tmp_path / 'restored.sqlite'}"
        else:
            url = stack.enter_context(scratch_postgres(database_url, "portal_restore"))
        target = create_app({"TESTING": True, "INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": url,
                             "SECRET_KEY": "restored", "SERVER_NAME": "localhost",
                             "UPLOAD_FOLDER": str(instance / "uploads"), "SEARCH_INDEX_DIR": str(instance / "index"),
                             "SYNONYMS_FILE": str(instance / "synonyms.txt"),
                             # as in tests/conftest.py: no anchor (and admins' message) at the first audited commit
                             "AUDIT_ANCHOR_AUTO": False})
        yield target
        with target.app_context():
            _db.session.remove()
            _db.engine.dispose()


def run_command(app, *args):
    """Run a `flask` command of `app` in its own application context."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
        _db.session.remove()
    return result


def all_rows(app) -> dict[str, list]:
    """Every row of every table of the app's database, in a stable order."""
    with app.app_context():
        engine = _db.engine
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as conn:
            return {table.name: conn.execute(select(table).order_by(*_order(table))).all()
                    for table in metadata.sorted_tables}


def _order(table):
    # PostgreSQL cannot order by a JSON column; the primary key orders every table that has one.
    return list(table.primary_key.columns) or [c for c in table.columns if not isinstance(c.type, JSON)]


def stored_files(app) -> dict[str, bytes]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}

"""Catalogue fixtures: products built through the operations, a private search index per test."""

import io
import json
import shutil
import struct
import zlib
from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from portal import search
from portal.accounts.models import Role
from portal.catalogue import importer, operations, validity
from portal.search.models import SearchChange
from portal.uploads.storage import accept_upload
from portal.util import clock
from tests.search.quality import CATALOGUE


@pytest.fixture
def search_index(app, tmp_path):
    """A search index (and synonym file) of this test's own, so tests never share index state."""
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "index")
    app.config["SYNONYMS_FILE"] = str(tmp_path / "synonyms.txt")
    return tmp_path / "index"


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(
        b"IEND", b"")


PNG = _png()


def stored(data: bytes, name: str):
    """Keep bytes through the upload checks, as a form upload would."""
    return accept_upload(FileStorage(stream=io.BytesIO(data), filename=name))


def product_fields(**overrides) -> dict:
    fields = {"name": "非制冷红外热像仪", "model": "IR-640U", "product_type": "equipment", "sector": "special_imaging",
              "level": "national", "year": 2024, "batch": "第一批", "district": "滨江区",
              "specs": "640×512；NETD≤40mK",
              "description": "基于氧化钒非制冷红外探测器的热像仪，用于电力设备故障诊断。",
              "cases": ""}
    fields.update(overrides)
    return fields


@pytest.fixture
def create_product(db, create_user, search_index):
    """Build a product in the given state (pending, approved, rejected, revoked) through the operations."""
    return product_factory(db, create_user)


def product_factory(db, create_user):
    """The maker behind `create_product`, for builders outside a test (a module's shared data)."""
    reviewer = {}

    def make(owner=None, state="approved", validity_years=None, **overrides):
        """`validity_years` None: a current 首台（套）whatever the date the suite runs on (the fixed years of
        recognition would otherwise expire as the calendar moves); a number: the rule's own date from the year."""
        owner = owner or create_user(Role.ENTERPRISE)
        product = operations.apply_product(owner, **product_fields(**overrides))
        if validity_years is None:
            product.valid_until = date(clock.to_local(clock.now()).year + 5, 12, 31)
        else:
            product.valid_until = validity.valid_until(product.year, validity_years)
        if state != "pending":
            admin = reviewer.setdefault("admin", create_user(Role.ADMIN))
            if state == "rejected":
                operations.reject_product(product, admin, "资料不全")
            else:
                operations.approve_product(product, admin)
                if state == "revoked":
                    operations.revoke_product(product, admin, "认定已撤销")
        db.session.commit()
        return product

    return make


@pytest.fixture
def sample_catalogue(db, search_index):
    """The shared sample catalogue, imported and indexed; returns sample id → product id."""
    items = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    rows = []
    for item in items:
        row, problems = importer.check_row({k: str(v) for k, v in item.items()})
        assert not problems, (item["id"], problems)
        rows.append(row)
    # The sample's years of recognition are fixed (2021–2024): the longest validity keeps every product a current
    # 首台（套）while the real clock runs on; tests of expiry set the clock themselves (test_validity.py).
    result = operations.import_products(rows, None, source_name="catalogue_sample.json",
                                        validity_years=validity.MAX_YEARS)
    db.session.commit()
    ids = {item["id"]: product.id for item, product in zip(items, result.created, strict=True)}
    # Building the index costs about half a second; tables start empty with ids from 1 in every test,
    # so an index built for the same ids is copied instead of built again.
    key = (db.engine.url.render_as_string(), tuple(ids.values()), db.session.scalar(select(func.max(SearchChange.id))))
    if key in _BUILT:
        shutil.copytree(_BUILT[key], search_index, symlinks=True)
    else:
        search.apply_pending()
        _BUILT[key] = search_index.parent / "sample-index-copy"
        shutil.copytree(search_index, _BUILT[key], symlinks=True)
    return ids


_BUILT: dict[tuple, object] = {}

"""Searching without an index: how long `search.query()` takes when the database answers (database_fallback.py).

    .venv/bin/python bench/search_fallback_bench.py [--size 100000]

The synthetic catalogue of search_bench.py in SQLite, no index built, SEARCH_APPLY_IN_REQUESTS off (a web request
in production before the index worker has built this node's index). One line per query: its total, and the
best and worst wall time and the best CPU time of 3 runs (`time.process_time`: the shared machine's load
disturbs it far less).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_bench import synthetic_rows  # noqa: E402

QUERIES = [
    ("红外热像仪", None, 1),  # common: the first 1 001 matches in table order, then newest first from the index
    ("红外热像仪", None, 50),  # a deep page of a common word
    ("红外热像仪", {"year": 2024}, 1),
    ("智能 巡检机器人", None, 1),  # two words, both common
    ("AB-1234", None, 1),  # a model: rare, one scan of every row (two: and one for its parts AB and 1234)
    ("5g通信", None, 1),  # Latin letters, any case
    ("杭州测试4999科技有限公司", None, 1),  # a company: its ids first, then the products
    ("量子纠缠装置", None, 1),  # nothing: one scan, then one for its parts
    ("量子纠缠装置 不存在的东西", None, 1),  # nothing: two scans
    ("5%", None, 1),  # escaping: instr() has no wildcards
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    size = parser.parse_args().size

    from sqlalchemy import insert

    from portal import create_app, search
    from portal.accounts.models import Organization, OrgKind, Verification
    from portal.catalogue.models import Product, ProductState
    from portal.extensions import db
    from portal.util import clock

    tmp = Path(tempfile.mkdtemp(prefix="search-fallback-bench-"))
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp), "SECRET_KEY": "bench",
                      "SEARCH_APPLY_IN_REQUESTS": False, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite"})
    with app.app_context():
        db.create_all()
        now = clock.now()
        rows = synthetic_rows(size)
        db.session.execute(insert(Organization), [
            {"name": f"杭州测试{n}科技有限公司", "kind": OrgKind.ENTERPRISE, "verification": Verification.VERIFIED,
             "created_at": now} for n in range(max(size // 20, 1))])
        db.session.execute(insert(Product), [
            {**{k: v for k, v in row.items() if k != "org"}, "organization_id": row["org"] + 1,
             "state": ProductState.APPROVED, "source": "import", "approved_at": now, "created_at": now,
             "updated_at": now} for row in rows])
        db.session.commit()
        search.query("product", "预热")  # jieba's dictionary and the thesaurus, once per process
        for q, filters, page in QUERIES:
            walls, cpus = [], []
            for _ in range(3):
                wall, cpu = time.perf_counter(), time.process_time()
                results = search.query("product", q, filters, page)
                walls.append((time.perf_counter() - wall) * 1000)
                cpus.append((time.process_time() - cpu) * 1000)
                db.session.rollback()
            assert results.from_database and not (tmp / "index").exists()
            total = f"{results.total}{'' if results.exact else '+'}{' partial' if results.partial else ''}"
            print(f"{q} {filters or ''} page {page}: {total}; wall {min(walls):.0f}–{max(walls):.0f} ms, "
                  f"CPU {min(cpus):.0f} ms")
        print(f"{size} products, SQLite file {(tmp / 'bench.sqlite').stat().st_size / 2**20:.0f} MB, "
              f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

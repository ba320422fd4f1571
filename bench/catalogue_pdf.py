"""The printed 首台（套）推广目录: how long /products/catalogue.pdf takes at catalogue sizes, through the test client.

    .venv/bin/python bench/catalogue_pdf.py [--sizes 500,2000] [--rounds 3]

Prints one JSON line per size: {"products", "pages", "pdf_kb", "p50_s", "cpu_p50_s", "sector_p50_s",
"cached_p50_ms", "load_avg"}. The products are the search bench's synthetic ones (every 领域), approved, in a
scratch SQLite database. p50_s is the whole catalogue built for each request (page cache off, as for a signed-in
user), sector_p50_s the largest 领域 alone (?sector=security); cached_p50_ms is what an anonymous buyer waits with
the page cache on (PAGE_CACHE_SECONDS=30, in-process store), once the first request has built it.
"""

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_bench import synthetic_rows  # noqa: E402 -- the catalogue text of the search bench


def timed(client, path: str) -> tuple[float, float, bytes]:
    start, start_cpu = time.perf_counter(), time.process_time()
    response = client.get(path)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    assert response.status_code == 200, (path, response.status_code)
    return elapsed, cpu, response.data


def run(size: int, rounds: int) -> dict:
    import pypdf
    from sqlalchemy import insert

    from portal import create_app
    from portal.accounts.models import Organization, OrgKind, Verification
    from portal.catalogue.models import Product, ProductState
    from portal.extensions import db
    from portal.util import clock

    with tempfile.TemporaryDirectory() as tmp:
        config = {
            "TESTING": True,
            "INSTANCE_PATH": tmp,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite",
        }
        app = create_app({**config, "PAGE_CACHE_SECONDS": 0})
        with app.app_context():
            db.create_all()
            now = clock.now()
            rows = synthetic_rows(size)
            db.session.execute(
                insert(Organization),
                [
                    {
                        "name": f"杭州测试{n}科技有限公司",
                        "kind": OrgKind.ENTERPRISE,
                        "verification": Verification.VERIFIED,
                        "created_at": now,
                    }
                    for n in range(max(size // 20, 1))
                ],
            )
            db.session.execute(
                insert(Product),
                [
                    {
                        **{k: v for k, v in row.items() if k != "org"},
                        "organization_id": row["org"] + 1,
                        "state": ProductState.APPROVED,
                        "source": "import",
                        "approved_at": now,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for row in rows
                ],
            )
            db.session.commit()
        client = app.test_client()
        timed(client, "/products/catalogue.pdf?sector=other")  # the font and the first request, outside the figures
        whole = [timed(client, "/products/catalogue.pdf") for _round in range(rounds)]
        sector = [timed(client, "/products/catalogue.pdf?sector=security") for _round in range(rounds)]
        body = whole[-1][2]
        # As anonymous buyers get it in production: from the page cache once built, until the data changes.
        cached_client = create_app({**config, "PAGE_CACHE_SECONDS": 30}).test_client()
        timed(cached_client, "/products/catalogue.pdf")
        cached = [timed(cached_client, "/products/catalogue.pdf") for _round in range(rounds)]
        assert all(c[2] == body for c in cached)
        return {
            "products": size,
            "pages": len(pypdf.PdfReader(io.BytesIO(body)).pages),
            "pdf_kb": round(len(body) / 1024),
            "p50_s": round(statistics.median(w for w, _c, _b in whole), 2),
            "cpu_p50_s": round(statistics.median(c for _w, c, _b in whole), 2),
            "sector_p50_s": round(statistics.median(w for w, _c, _b in sector), 2),
            "cached_p50_ms": round(statistics.median(w for w, _c, _b in cached) * 1000, 1),
            "load_avg": round(os.getloadavg()[0], 2),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,2000")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        print(json.dumps(run(size, args.rounds), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()

"""Account-enumeration timing: how long /password/forgot and /register take for an address with an account
and for one without, through the test client on a scratch SQLite database.

    .venv/bin/python bench/account_timing.py [--rounds 40]

Prints one JSON object: {"reset": {"known": {"p50_ms", "p90_ms", "cpu_p50_ms"}, "unknown": {...}},
"register": {...}, "rounds", "load_avg"}; cpu_p50_ms (time.process_time) is what a loaded machine disturbs
least. The two columns of each form should agree within noise: both paths do the same work
(tests/accounts/test_password_reset.py checks the same statements run). Throttling is off here; e-mail is
stored in the mail outbox table by the request, as in production, and never sent (that is the worker's).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal import create_app  # noqa: E402
from portal.accounts.models import Role  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.util.uscc import make_uscc  # noqa: E402

KNOWN = "known@example.cn"
PASSWORD = "Bench#pass2026"  # noqa: S105 -- a scratch database


def figures(samples: list[tuple[float, float]]) -> dict:
    wall = sorted(w for w, _cpu in samples)
    cpu = sorted(c for _wall, c in samples)
    return {"p50_ms": round(statistics.median(wall) * 1000, 1),
            "p90_ms": round(wall[int(len(wall) * 0.9) - 1] * 1000, 1),
            "cpu_p50_ms": round(statistics.median(cpu) * 1000, 1)}


def timed(client, path: str, data: dict) -> tuple[float, float]:
    start, start_cpu = time.perf_counter(), time.process_time()
    response = client.post(path, data=data)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    response.close()
    assert response.status_code == 302, (path, response.status_code)
    return elapsed, cpu


def registration(n: int, email: str) -> dict:
    return {"org_name": f"杭州测速科技有限公司{n}", "uscc": make_uscc(f"91330106MA2B{n:05d}"), "district": "滨江区",
            "contact_name": "测速", "phone": "0571-88886666", "email": email, "password": PASSWORD,
            "confirm": PASSWORD}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"INSTANCE_PATH": tmp, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite",
                          "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                          "MAIL_SERVER": None, "PAGE_CACHE_SECONDS": 0})
        with app.app_context():
            db.create_all()
            from portal.accounts import operations

            operations.create_account(None, email=KNOWN, password=PASSWORD, role=Role.REVIEWER, org_name="测速单位")
            db.session.commit()
        client = app.test_client()
        result = {"rounds": args.rounds}
        for form in ("reset", "register"):
            samples = {"known": [], "unknown": []}
            for n in range(args.rounds):
                # Alternate, and swap the order every round, so load changes fall on both columns alike.
                for kind in (("known", "unknown") if n % 2 else ("unknown", "known")):
                    email = KNOWN if kind == "known" else f"nobody{n}@example.cn"
                    if form == "reset":
                        samples[kind].append(timed(client, "/password/forgot", {"email": email}))
                    else:
                        number = n * 2 + (kind == "known")
                        samples[kind].append(timed(client, "/register", registration(number, email)))
            result[form] = {kind: figures(values) for kind, values in samples.items()}
        result["load_avg"] = round(os.getloadavg()[0], 2)
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

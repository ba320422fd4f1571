"""CPU time and statements per rendered page, in-process, on the city-scale data of `bench/data.py`.

    .venv/bin/python bench/profile_pages.py [--db URL] [--instance DIR] [--rounds 20] [--only a,b]
    .venv/bin/python bench/profile_pages.py --profile scenarios_final_p1 [--top 30]

Every page of the rendered-page targets (issue 16) through Flask's test client with the page cache off,
anonymous or signed in as the role that sees it (a server-side sign-in, as tests/factories.py makes). For
each page: the CPU time of a request (`time.process_time`, which a loaded machine disturbs far less than wall
time; the mean of the least disturbed of three batches), the median wall time, the statements it issues and
the response's status. The dashboards' figures are counted ahead first, as a node's worker does (`--no-jobs`:
not). `--profile NAME` runs that page under cProfile and prints the top entries by cumulative and by own
time. Prints a table, then one JSON object (with the peak RSS of the process).
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import secrets
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_INSTANCE = ROOT / "instance" / "bench"


def pick(app) -> dict:
    """Ids and accounts the pages need, read from the data: the busiest of each kind."""
    from sqlalchemy import func, select

    from portal.accounts.models import User
    from portal.catalogue.models import Product, ProductState
    from portal.extensions import db
    from portal.proposals.models import Proposal
    from portal.reviews.models import ACTIVE_STATES, Review
    from portal.scenarios.models import Batch, BatchState, Scenario, ScenarioState

    with app.app_context():
        s = db.session
        final = s.scalar(select(Scenario.id).where(Scenario.state == ScenarioState.FINAL)
                         .order_by(Scenario.published_at.desc()).limit(1))
        batch = s.scalar(select(Batch.id).where(Batch.state == BatchState.PUBLISHED)
                         .order_by(Batch.published_at.desc()).limit(1))
        product = s.scalar(select(Product.id).where(Product.state == ProductState.APPROVED).order_by(Product.id)
                           .limit(1))
        enterprise_org = s.scalar(select(Proposal.organization_id).group_by(Proposal.organization_id)
                                  .order_by(func.count().desc()).limit(1))
        # A decided scenario with the most proposals: its department sees the list and the ranking.
        busy = s.execute(select(Scenario.id, Scenario.department_id).join(Proposal, Proposal.scenario_id == Scenario.id)
                         .where(Scenario.state.in_([ScenarioState.DECIDED, ScenarioState.UNDER_REVIEW]))
                         .group_by(Scenario.id, Scenario.department_id).order_by(func.count().desc()).limit(1)).one()
        reviewer = s.scalar(select(Review.reviewer_id).where(Review.state.in_(ACTIVE_STATES))
                            .group_by(Review.reviewer_id).order_by(func.count().desc()).limit(1))
        users = {
            "enterprise": s.scalar(select(User.id).where(User.organization_id == enterprise_org).limit(1)),
            "department": s.scalar(select(User.id).where(User.organization_id == busy.department_id).limit(1)),
            "reviewer": reviewer or s.scalar(select(User.id).where(User.role == "reviewer").limit(1)),
            "admin": s.scalar(select(User.id).where(User.role == "admin").limit(1)),
        }
    return {"final": final, "batch": batch, "product": product, "busy": busy.id, "users": users}


def refresh_ahead() -> None:
    """What a node's worker keeps up to date for the pages: the dashboards' figures (job dashboard.refresh)."""
    from portal.dashboard import snapshots
    from portal.extensions import db

    snapshots.refresh()
    db.session.commit()


def pages(ids: dict) -> dict[str, tuple[str | None, str]]:
    """NAME: (role or None for anonymous, path)."""
    q = quote("红外热像仪")
    result = {
        "home": (None, "/"),
        "scenarios_p1": (None, "/scenarios"),
        "scenarios_p200": (None, "/scenarios?page=200"),
        "scenarios_final_p1": (None, "/scenarios?status=final"),
        "scenarios_final_p200": (None, "/scenarios?status=final&page=200"),
        "scenarios_closed_p1": (None, "/scenarios?status=closed"),
        "scenarios_published_p1": (None, "/scenarios?status=published"),
        "scenarios_sector_p1": (None, "/scenarios?sector=security"),
        "scenarios_sector_p50": (None, "/scenarios?sector=security&page=50"),
        "scenarios_district_p1": (None, "/scenarios?district=" + quote("滨江区")),
        "scenarios_batch_p1": (None, f"/scenarios?batch={ids['batch']}"),
        "scenarios_q_p1": (None, "/scenarios?q=" + quote("检测")),
        "scenario_detail": (None, f"/scenarios/{ids['final']}"),
        "batch": (None, f"/batches/{ids['batch']}"),
        "search": (None, f"/search?q={q}"),
        "api_products": (None, "/api/v1/products?q=" + quote("红外")),
        "product": (None, f"/products/{ids['product']}"),
        "api_scenarios": (None, "/api/v1/scenarios"),
        "dashboard": (None, "/dashboard"),
        "dashboard_department": ("department", "/manage/dashboard"),
        "dashboard_admin": ("admin", "/admin/dashboard"),
        "my_proposals": ("enterprise", "/my/proposals"),
        "manage_scenarios": ("department", "/manage/"),
        "submissions": ("department", f"/manage/scenarios/{ids['busy']}/proposals"),
        "ranking": ("department", f"/manage/scenarios/{ids['busy']}/ranking"),
        "reviewer_tasks": ("reviewer", "/reviewing/"),
    }
    return result


def signed_in_client(app, user_id: int | None):
    from portal.accounts.models import UserSession
    from portal.accounts.session import token_digest
    from portal.extensions import db
    from portal.util import clock

    client = app.test_client()
    if user_id is None:
        return client
    token = secrets.token_urlsafe(32)
    with app.app_context():
        now = clock.now()
        db.session.add(UserSession(id=token_digest(token), user_id=user_id, created_at=now, last_seen_at=now,
                                   remember=False))
        db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return client


class StatementCounter:
    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args, **_kwargs):
        self.count += 1


def measure(client, path: str, rounds: int, counter: StatementCounter) -> dict:
    for _warm in range(3):
        response = client.get(path)
    counter.count = 0
    client.get(path)
    statements = counter.count
    walls, batches = [], []
    for _batch in range(3):  # the least disturbed of three batches: the machine is shared
        started = time.process_time()
        for _round in range(max(1, rounds // 3)):
            begun = time.perf_counter()
            response = client.get(path)
            walls.append(time.perf_counter() - begun)
        batches.append((time.process_time() - started) * 1000 / max(1, rounds // 3))
    cpu = min(batches)
    return {"cpu_ms": round(cpu, 2), "wall_p50_ms": round(statistics.median(walls) * 1000, 2),
            "statements": statements, "status": response.status_code, "bytes": len(response.data)}


def profile(client, path: str, rounds: int, top: int) -> str:
    for _warm in range(3):
        client.get(path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _round in range(rounds):
        client.get(path)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: the SQLite file of the instance folder)")
    parser.add_argument("--instance", default=str(DEFAULT_INSTANCE))
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--only", help="comma-separated page names")
    parser.add_argument("--profile", metavar="NAME", help="cProfile this page instead")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--no-jobs", action="store_true",
                        help="skip what the worker counts ahead (the dashboards then count live)")
    args = parser.parse_args()

    instance = Path(args.instance).resolve()  # Flask wants an absolute instance path
    os.environ["PORTAL_INSTANCE_PATH"] = str(instance)
    os.environ["DATABASE_URL"] = args.db or f"sqlite:///{instance / 'portal.sqlite'}"
    from portal import create_app
    from portal.extensions import db

    app = create_app({"PAGE_CACHE_SECONDS": 0})
    with app.app_context():
        db.create_all()  # tables added since the data was built (their rows are the worker's)
        if not args.no_jobs:
            refresh_ahead()
    ids = pick(app)
    chosen = pages(ids)
    if args.only:
        chosen = {k: v for k, v in chosen.items() if k in args.only.split(",")}
    clients = {role: signed_in_client(app, ids["users"][role] if role else None)
               for role in {role for role, _path in chosen.values()}}
    with app.app_context():
        counter = StatementCounter(db.engine)
    if args.profile:
        role, path = chosen[args.profile]
        print(profile(clients[role], path, args.rounds, args.top))
        return
    results = {}
    for name, (role, path) in chosen.items():
        results[name] = {"path": path, "role": role, **measure(clients[role], path, args.rounds, counter)}
        r = results[name]
        print(f"{name:24} {r['cpu_ms']:8.2f} ms CPU {r['wall_p50_ms']:8.2f} ms wall {r['statements']:4d} stmts "
              f"{r['status']}", file=sys.stderr, flush=True)
    # The peak RSS of this process, which rendered every page: an upper bound of what one worker needs for them.
    peak_rss_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps({"pages": results, "rounds": args.rounds, "load_avg": os.getloadavg()[0],
                      "db": os.environ["DATABASE_URL"].split(":")[0], "peak_rss_mb": peak_rss_mb},
                     ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

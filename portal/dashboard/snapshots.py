"""Dashboard counts computed ahead, so that a dashboard page reads a few rows instead of aggregating the city.

The worker's job `dashboard.refresh` (every minute) counts the public figures, the platform's and the
catalogue's and stores each set as one row of `dashboard_figures`; pages read that row. A row is read only
while it is recent (MAX_AGE: the worker is running) and before its `valid_until`, the next moment a status
derived by server time changes (a deadline passes, a 公示 starts or ends); otherwise the page counts live, as
it always did, so a page is never wrong by more than the minute between two refreshes.

A department's own figures are stored too, one row each, with the state of its scenarios they were counted
from (their number and newest change): the department's own writes (a scenario created, edited, published,
decided) show at once, as the row no longer matches and the page counts live; the bids and objections of
others follow at the next refresh, as on the public dashboard.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from portal.announcements.models import Decision
from portal.catalogue.models import Product
from portal.dashboard import statistics
from portal.dashboard.models import DashboardFigures
from portal.dashboard.statistics import Durations, ProposalHistogram, Scope
from portal.extensions import db
from portal.scenarios.models import Scenario, ScenarioState
from portal.util import clock

MAX_AGE = timedelta(minutes=5)  # older rows mean the worker is not refreshing them: count live instead
MONTHS_KEPT = 25  # one more than the dashboard shows, so a row counted last month still covers the window
PROPOSALS_CAP = 5
DAY_BOUNDS = (30, 60, 90, 180)


def months(today: date, count: int) -> list[str]:
    """The `count` months up to `today`'s, oldest first, as 'YYYY-MM'."""
    result, year, month = [], today.year, today.month
    for _i in range(count):
        result.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return result[::-1]


def month_start_utc(month: str) -> datetime:
    year, number = (int(part) for part in month.split("-"))
    return datetime(year, number, 1, tzinfo=clock.LOCAL_TZ).astimezone(UTC)


@dataclass(frozen=True)
class ScenarioCounts:
    """Everything the scenario figures of one scope show."""

    sector: dict[str, int]
    district: dict[str, int]
    month: dict[str, int]  # 'YYYY-MM' → scenarios published that month (the last MONTHS_KEPT months)
    status: dict[ScenarioState, int]
    histogram: ProposalHistogram
    durations: Durations
    departments: list[tuple[str, int, int]] | None = None  # (name, scenarios, 揭榜成功), platform only
    per_scenario: list[tuple[int, str, int]] | None = None  # (id, title, bids) of the newest, a department only

    def to_json(self) -> dict:
        return {"sector": self.sector, "district": self.district, "month": self.month,
                "status": {state.value: n for state, n in self.status.items()},
                "histogram": {"with": {str(k): n for k, n in self.histogram.scenarios_with.items()},
                              "scenarios": self.histogram.scenarios, "proposals": self.histogram.proposals},
                "durations": {"in_bucket": {str(k): n for k, n in self.durations.in_bucket.items()},
                              "count": self.durations.count, "total_days": self.durations.total_days},
                "departments": self.departments, "per_scenario": self.per_scenario}

    @classmethod
    def from_json(cls, data: dict) -> "ScenarioCounts":
        histogram, durations = data["histogram"], data["durations"]
        return cls(
            sector=data["sector"], district=data["district"], month=data["month"],
            status={ScenarioState(value): n for value, n in data["status"].items()},
            histogram=ProposalHistogram({int(k): n for k, n in histogram["with"].items()},
                                        histogram["scenarios"], histogram["proposals"]),
            durations=Durations({int(k): n for k, n in durations["in_bucket"].items()}, durations["count"],
                                durations["total_days"]),
            departments=[tuple(row) for row in data["departments"]] if data["departments"] is not None else None,
            per_scenario=[tuple(row) for row in data["per_scenario"]] if data.get("per_scenario") is not None
            else None)


def count_scenarios(scope: Scope, departments: bool = False) -> ScenarioCounts:
    since = month_start_utc(months(clock.local_today(), MONTHS_KEPT)[0])
    return ScenarioCounts(
        sector=statistics.scenarios_by(scope, Scenario.sector),
        district=statistics.scenarios_by(scope, Scenario.district),
        month=statistics.scenarios_by_month(scope, since),
        status=statistics.status_counts(scope),
        histogram=statistics.proposal_histogram(scope, PROPOSALS_CAP),
        durations=statistics.time_to_result(scope, DAY_BOUNDS),
        departments=statistics.scenarios_by_department(scope) if departments else None)


def count_department(department_id: int) -> ScenarioCounts:
    """A department's own figures, with the bids of its newest scenarios."""
    scope = statistics.department_scope(department_id)
    return replace(count_scenarios(scope), per_scenario=statistics.proposals_per_scenario(scope))


def department_state(department_id: int) -> list:
    """What a department's own write changes: the number of its scenarios and the newest change of one."""
    number, newest = db.session.execute(select(func.count(), func.max(Scenario.updated_at))
                                        .where(Scenario.department_id == department_id)).one()
    return [number, newest.isoformat() if newest is not None else None]


def department_counts(department_id: int) -> ScenarioCounts:
    """The stored figures while they hold and the department has not changed its scenarios since; else live."""
    row = _current_row(_department_key(department_id))
    if row is not None:
        data = json.loads(row.payload)
        if data.get("state") == department_state(department_id):
            return ScenarioCounts.from_json(data)
    return count_department(department_id)


def _department_key(department_id: int) -> str:
    return f"department:{department_id}"


def count_catalogue() -> dict:
    """Approved products by type, sector and year, and every product by review state; with them (in the same
    row, so the public page reads no more rows) the 场景创新成果 by sector and district."""
    from portal.projects import queries as projects

    return {"type": statistics.public_products_by(Product.product_type),
            "sector": statistics.public_products_by(Product.sector),
            "year": {str(year): n for year, n in statistics.public_products_by(Product.year).items()},
            "state": {str(state): n for state, n in statistics.products_by_state().items()},
            "case_sector": projects.cases_by("sector"), "case_district": projects.cases_by("district")}


# key → (count, encode, decode)
_SETS: dict[str, tuple[Callable[[], object], Callable, Callable]] = {
    "public": (lambda: count_scenarios(statistics.public_scope()), ScenarioCounts.to_json, ScenarioCounts.from_json),
    "platform": (lambda: count_scenarios(statistics.platform_scope(), departments=True), ScenarioCounts.to_json,
                 ScenarioCounts.from_json),
    "catalogue": (count_catalogue, lambda data: data, lambda data: data),
}


def public_counts() -> ScenarioCounts:
    return _read("public")


def platform_counts() -> ScenarioCounts:
    return _read("platform")


def catalogue_counts() -> dict:
    return _read("catalogue")


def _read(key: str):
    count, _encode, decode = _SETS[key]
    row = _current_row(key)
    return decode(json.loads(row.payload)) if row is not None else count()


def _current_row(key: str) -> DashboardFigures | None:
    """The stored row while it holds: recent (the worker runs) and before the next status change by the clock."""
    row = db.session.get(DashboardFigures, key)
    now = clock.now()
    if row is not None and now - MAX_AGE < row.computed_at <= now and (row.valid_until is None
                                                                         or now < row.valid_until):
        return row
    return None


def next_change(now: datetime) -> datetime | None:
    """The next moment a status derived by server time changes: an open scenario's deadline, or a 公示's
    start or end (each changes statuses, the bids that may be counted, or the time to a result)."""
    moments = [
        db.session.scalar(select(func.min(Scenario.deadline))
                          .where(Scenario.state == ScenarioState.PUBLISHED, Scenario.deadline > now)),
        db.session.scalar(select(func.min(Decision.starts_at)).where(Decision.starts_at > now)),
        db.session.scalar(select(func.min(Decision.ends_at)).where(Decision.ends_at > now)),
    ]
    moments = [m for m in moments if m is not None]
    return min(moments) if moments else None


def refresh() -> list[str]:
    """Count every set of figures and store it (the worker's job; it works in the caller's transaction)."""
    now = clock.now()
    until = next_change(now)
    payloads = {key: encode(count()) for key, (count, encode, _decode) in _SETS.items()}
    for department_id in db.session.scalars(select(Scenario.department_id).distinct()):
        payloads[_department_key(department_id)] = {**count_department(department_id).to_json(),
                                                    "state": department_state(department_id)}
    for key, data in payloads.items():
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        row = db.session.get(DashboardFigures, key)
        if row is None:
            db.session.add(DashboardFigures(key=key, payload=payload, computed_at=now, valid_until=until))
        else:
            row.payload, row.computed_at, row.valid_until = payload, now, until
    db.session.flush()
    return list(payloads)

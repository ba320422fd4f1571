"""Every list page loads in a fixed number of SQL statements, however many rows it shows.

Each case builds a few rows, counts the statements of one request, builds many more rows and counts
again: an N+1 (a lazy load per row) makes the second count larger and fails here.
"""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from portal import search
from portal.accounts.models import Role, User
from portal.announcements.models import Decision, Objection
from portal.catalogue.models import Level, Product, ProductState, ProductType
from portal.extensions import db
from portal.scenarios import queries as scenario_queries
from portal.scenarios.models import Batch, Scenario, ScenarioState
from portal.util import clock
from tests.reviews import helpers as review_helpers

FEW, MANY = 2, 12


@contextmanager
def counted():
    """Collect the SQL statements sent to the database inside the block."""
    statements = []

    def note(_conn, _cursor, statement, _params, _context, _executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def statements_for(client, url: str) -> list[str]:
    # A real request starts with an empty session: nothing the test built may answer a lazy load.
    db.session.expunge_all()
    with counted() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return statements


def with_result(scenario, *, final: bool, winner=None):
    """Give a published scenario a decision in 公示 (or past it, which makes the result final)."""
    now = clock.now()
    owner = review_helpers.department_of(scenario)
    starts, ends = (now - timedelta(days=9), now - timedelta(days=2)) if final else (now, now + timedelta(days=5))
    scenario.state = ScenarioState.ANNOUNCED
    scenario.deadline = now - timedelta(days=20)
    scenario.closed_at = scenario.deadline
    decision = Decision(scenario_id=scenario.id, rationale="综合得分第一。", decided_at=starts, decided_by_id=owner.id,
                        announced_at=starts, announced_by_id=owner.id, starts_at=starts, ends_at=ends)
    if winner is not None:
        decision.winners.append(winner)
    db.session.add(decision)
    db.session.commit()


class Rows:
    """Builds rows for one page through the factories; `add(n)` adds n more of what the page lists."""

    def __init__(self, request):
        self.fixture = request.getfixturevalue
        self._user_id = self._batch_id = self._scenario_id = None
        self._panel, self._bidders = [], []

    # Ids are kept, not objects: each count starts from an empty session, which detaches what was built.
    @property
    def user(self):
        return db.session.get(User, self._user_id) if self._user_id else None

    @user.setter
    def user(self, user):
        self._user_id = user.id

    @property
    def batch(self):
        return db.session.get(Batch, self._batch_id) if self._batch_id else None

    @batch.setter
    def batch(self, batch):
        self._batch_id = batch.id

    def public_scenarios(self, n):
        create_scenario = self.fixture("create_scenario")
        self.batch = self.batch or self.fixture("create_batch")()
        for i in range(n):
            open_one = create_scenario(self.batch, state="published", title=f"开放场景{i}")
            in_announcement = create_scenario(self.batch, state="published", title=f"公示场景{i}")
            final = create_scenario(self.batch, state="published", title=f"揭榜成功场景{i}")
            with_result(in_announcement, final=False)
            with_result(final, final=True)
            assert open_one.is_open

    def products(self, n):
        org = self.fixture("create_org")()
        now = clock.now()
        for i in range(n):
            db.session.add(Product(organization=org, name=f"红外热像仪{i}", model=f"IR-{i}", year=2024,
                                   product_type=ProductType.EQUIPMENT, sector="special_imaging",
                                   level=Level.PROVINCIAL, district="滨江区", description="非制冷红外热像仪。",
                                   state=ProductState.APPROVED, approved_at=now, decided_at=now, created_at=now,
                                   updated_at=now))
        db.session.commit()
        search.rebuild()

    def my_proposals(self, n):
        create_scenario, submit = self.fixture("create_scenario"), self.fixture("submit_proposal")
        self.user = self.user or self.fixture("create_user")(Role.ENTERPRISE)
        self.batch = self.batch or self.fixture("create_batch")(proposal_cap=MANY)  # one bidder, many proposals
        for i in range(n):
            scenario = create_scenario(self.batch, state="published", title=f"揭榜场景{i}")
            submit(scenario, self.user)
            if i % 2:
                with_result(scenario, final=False)

    def department_scenarios(self, n):
        create_scenario = self.fixture("create_scenario")
        self.user = self.user or self.fixture("create_user")(Role.GOVERNMENT)
        self.batch = self.batch or self.fixture("create_batch")(self.user)
        for i in range(n):
            create_scenario(self.batch, state="published" if i % 2 else "draft", title=f"部门场景{i}")

    def department_batches(self, n):
        create_batch, create_scenario = self.fixture("create_batch"), self.fixture("create_scenario")
        self.user = self.user or self.fixture("create_user")(Role.GOVERNMENT)
        for i in range(n):
            create_scenario(create_batch(self.user), state="published", title=f"清单场景{i}")

    def reviewer_assignments(self, n):
        create_scenario, submit = self.fixture("create_scenario"), self.fixture("submit_proposal")
        create_user = self.fixture("create_user")
        self.user = self.user or create_user(Role.REVIEWER)
        if not self._panel:
            self._panel = [self.user.id] + [create_user(Role.REVIEWER).id for _ in range(2)]
            self._bidders = [create_user(Role.ENTERPRISE).id for _ in range(2)]
        for i in range(n):
            bidders = [db.session.get(User, i) for i in self._bidders]
            scenario, _versions = review_helpers.closed_scenario(create_scenario, submit, bidders,
                                                                 title=f"评审场景{i}")
            review_helpers.assign(scenario, [db.session.get(User, i) for i in self._panel])

    def reviewed_scenario(self, n):
        """A new scenario past its deadline with n proposals, each scored by three reviewers; the page shows the
        newest one (the department owns every scenario of the batch)."""
        create_scenario, submit = self.fixture("create_scenario"), self.fixture("submit_proposal")
        create_user = self.fixture("create_user")
        if not self._panel:
            self._panel = [create_user(Role.REVIEWER).id for _ in range(3)]
        self.batch = self.batch or self.fixture("create_batch")()
        bidders = [create_user(Role.ENTERPRISE) for _ in range(n)]
        scenario, _versions = review_helpers.closed_scenario(create_scenario, submit, bidders, batch=self.batch)
        self._scenario_id = scenario.id
        self.user = review_helpers.department_of(scenario)
        panel = [db.session.get(User, i) for i in self._panel]
        review_helpers.fully_reviewed(scenario, panel, [[80, 85, 90]] * n)

    def enterprises(self, n):
        create_user = self.fixture("create_user")
        self.user = self.user or create_user(Role.ADMIN)
        for _ in range(n):
            create_user(Role.ENTERPRISE, verified=False)

    def results(self, n):
        create_scenario, submit = self.fixture("create_scenario"), self.fixture("submit_proposal")
        bidder = self.fixture("create_user")(Role.ENTERPRISE)
        self.batch = self.batch or self.fixture("create_batch")(proposal_cap=MANY)  # one bidder, many proposals
        for i in range(n):
            scenario = create_scenario(self.batch, state="published", title=f"结果场景{i}")
            submit(scenario, bidder)
            with_result(scenario, final=True, winner=_proposal_of(scenario.id))


def _proposal_of(scenario_id: int):
    from portal.proposals.models import Proposal

    return db.session.scalars(select(Proposal).where(Proposal.scenario_id == scenario_id)).first()


RED = "%E7%BA%A2%E5%A4%96"  # 红外


def page(name, builder, url, bound, page_size=None, marks=()):
    """A list page: how its rows are added, its URL, the most statements it may issue, its page size."""
    return pytest.param(builder, url, bound, page_size, id=name, marks=marks)


PAGES = [
    page("home", "public_scenarios", "/", 12),
    page("scenario list", "public_scenarios", "/scenarios", 12),
    page("scenario list, page 2", "public_scenarios", "/scenarios?page=2&sector=industrial_vision", 12, page_size=3),
    page("scenario list in 公示", "public_scenarios", "/scenarios?status=announced", 12),
    page("scenario list of final results", "public_scenarios", "/scenarios?status=final", 12),
    page("batch page", "public_scenarios", "/batches/{batch}", 12),
    page("scenarios API", "public_scenarios", "/api/v1/scenarios", 12),
    page("results", "results", "/results", 12),
    page("catalogue", "products", "/products", 16),
    page("catalogue search", "products", f"/search?q={RED}", 12),
    page("products API", "products", f"/api/v1/products?q={RED}", 12),
    page("my proposals", "my_proposals", "/my/proposals", 12),
    page("department's batch", "department_scenarios", "/manage/batches/{batch}", 14),
    page("department dashboard", "department_batches", "/manage/", 12),
    page("reviewer assignments", "reviewer_assignments", "/reviewing/", 14),
    # Audited reads end their read transaction before writing their record (web/unit_of_work.py); on PostgreSQL the
    # record's chain takes an advisory lock: one statement more there than on SQLite (14 and 24).
    page("department's proposals of a scenario", "reviewed_scenario", "/manage/scenarios/{scenario}/proposals", 15),
    # Both read their rows narrow (portal/proposals/queries.py: submitted_summaries): proposals with their latest
    # version, consortium members, files. The ranking also reads the reviews, the scores and the panel (drawn,
    # standby, hand-picked).
    page("department's ranking", "reviewed_scenario", "/manage/scenarios/{scenario}/ranking", 25),
    page("admin enterprises", "enterprises", "/admin/enterprises?status=pending", 12),
    page("admin users", "enterprises", "/admin/users", 12),
]


@pytest.fixture
def private_index(app, tmp_path):
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "index")
    app.config["SYNONYMS_FILE"] = str(tmp_path / "synonyms.txt")


@pytest.mark.parametrize(("builder", "url", "bound", "page_size"), PAGES)
def test_list_page_statements_do_not_grow_with_its_rows(request, app, client, login_as, frozen_now, private_index,
                                                        builder, url, bound, page_size):
    if page_size:
        app.config["PAGE_SIZE"] = page_size
    rows = Rows(request)
    add = getattr(rows, builder)

    def count() -> int:
        if rows.user is not None:
            login_as(rows.user)
        target = url.format(batch=rows.batch.id if rows.batch else 0, scenario=rows._scenario_id)
        return len(statements_for(client, target))

    add(FEW)
    count()  # once to fill the process's caches (the merged search thesaurus is read once per version)
    few = count()
    add(MANY - FEW)
    many = count()

    assert many == few, f"{few} statements with {FEW} rows, {many} with {MANY}: a query per row"
    assert many <= bound


def test_a_lazy_load_per_row_is_counted(client, create_scenario):
    """The guard itself: reading each row's relationship lazily costs one statement per row."""
    for i in range(3):
        create_scenario(state="published", title=f"场景{i}")  # each in a batch of its own
    db.session.expunge_all()
    with counted() as statements:
        titles = [s.batch.title for s in db.session.scalars(select(Scenario))]
    assert len(titles) == 3
    assert len([s for s in statements if "FROM batches" in s]) == 3


# --- Scenario.status reads the decision through Scenario.decision ----------------------------------------------

def _scenarios_in_公示(create_batch, create_scenario, n, batch=None):
    """n scenarios in 公示 and n past it (final), each with an unanswered objection every other one."""
    batch = batch or create_batch()
    for i in range(n):
        for final in (False, True):
            scenario = create_scenario(batch, state="published", title=f"状态场景{i}{final}")
            with_result(scenario, final=final)
            if i % 2:
                owner = review_helpers.department_of(scenario)
                db.session.add(Objection(scenario_id=scenario.id, organization_id=owner.organization_id,
                                         filed_by_id=owner.id, text="评分有失公允。", filed_at=clock.now()))
    db.session.commit()
    return batch


def _statuses(load) -> tuple[list, int]:
    db.session.expunge_all()
    with counted() as statements:
        statuses = [s.status for s in load()]
    # Reads only: a BEGIN depends on whether the building left a transaction open, not on the rows.
    return statuses, sum(statement.lstrip().upper().startswith("SELECT") for statement in statements)


def _all_ids():
    return list(db.session.scalars(select(Scenario.id).order_by(Scenario.id)))


SCENARIO_LOADERS = {
    "scenarios_in_order": lambda: scenario_queries.scenarios_in_order(_all_ids()),
    "public_scenarios_query": lambda: db.session.scalars(scenario_queries.public_scenarios_query()).unique().all(),
}



@pytest.mark.parametrize("loader", sorted(SCENARIO_LOADERS))
def test_scenario_lists_eager_load_the_decision_that_status_reads(app, frozen_now, create_batch, create_scenario,
                                                                   loader):
    load = SCENARIO_LOADERS[loader]
    batch_id = _scenarios_in_公示(create_batch, create_scenario, FEW).id
    few_statuses, few = _statuses(load)
    _scenarios_in_公示(create_batch, create_scenario, MANY - FEW, batch=db.session.get(Batch, batch_id))
    many_statuses, many = _statuses(load)

    assert len(many_statuses) == 2 * MANY
    assert many == few, f"{few} statements for {2 * FEW} scenarios, {many} for {2 * MANY}: a query per row"
    # An unanswered objection holds a result in 公示 after its window; without one the window's end makes it final.
    assert many_statuses.count(ScenarioState.FINAL) == MANY // 2
    assert many_statuses.count(ScenarioState.ANNOUNCED) == MANY + MANY // 2


def test_without_the_eager_load_status_costs_a_query_per_row(app, frozen_now, create_batch, create_scenario):
    """The guard: a list loaded without the decision reads it lazily, once per scenario in 公示."""
    _scenarios_in_公示(create_batch, create_scenario, 3)
    _unused, statements = _statuses(lambda: db.session.scalars(select(Scenario)).all())
    assert statements >= 1 + 2 * 3

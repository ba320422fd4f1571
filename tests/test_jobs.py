"""Scheduled jobs: each due job runs once per slot across every caller; a failure is recorded and retried next slot."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import jobs
from portal.accounts.models import Role
from portal.jobs.models import JobRun
from portal.notifications.models import Notification
from portal.proposals.models import Proposal, ProposalState
from portal.util import clock
from tests.factories import mails

NOON = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Hangzhou


@pytest.fixture
def only(app):
    """Replace the app's jobs by the test's own for the test; return a function registering one."""
    saved = app.extensions.get(jobs.EXTENSION, {})
    app.extensions[jobs.EXTENSION] = {}

    def add(name, run, schedule=None):
        jobs.register(app, name, run, schedule or jobs.every(minutes=10))

    yield add
    app.extensions[jobs.EXTENSION] = saved


def runs(db, name=None):
    db.session.expire_all()
    query = select(JobRun).order_by(JobRun.slot, JobRun.id)
    return db.session.scalars(query.where(JobRun.job == name) if name else query).all()


def test_slots_are_whole_periods_and_daily_jobs_run_at_their_beijing_hour():
    ten = jobs.every(minutes=10)
    assert ten.slot(datetime(2026, 3, 2, 4, 7, 59, tzinfo=UTC)) == datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
    assert ten.slot(datetime(2026, 3, 2, 4, 10, tzinfo=UTC)) == datetime(2026, 3, 2, 4, 10, tzinfo=UTC)
    assert jobs.every(hours=1).slot(NOON + timedelta(minutes=59)) == NOON
    three = jobs.daily(3)  # 03:00 in Hangzhou is 19:00 UTC the day before
    assert three.slot(datetime(2026, 3, 2, 18, 59, tzinfo=UTC)) == datetime(2026, 3, 1, 19, 0, tzinfo=UTC)
    assert three.slot(datetime(2026, 3, 2, 19, 0, tzinfo=UTC)) == datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
    for bad in ({"minutes": 7}, {"minutes": 0}, {"hours": 5}):
        with pytest.raises(ValueError):
            jobs.every(**bad)


def test_jobs_import_no_domain():
    from tests.search.test_leaf import PORTAL, imported

    allowed = ("portal.jobs", "portal.extensions", "portal.util", "portal.web")
    offenders = {str(p.relative_to(PORTAL)): sorted(n for n in imported(p) if n.startswith("portal.")
                                                    and not n.startswith(allowed))
                 for p in (PORTAL / "jobs").rglob("*.py")}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_portal_registers_its_periodic_work(app):
    assert {job.name for job in jobs.registered(app)} >= {
        "notifications.deadline-reminders", "audit.anchor", "uploads.sweep", "notifications.prune-outbox",
        "jobs.prune"}


def test_a_job_runs_once_per_slot_and_again_in_the_next(app, db, only):
    calls = []
    only("tick", lambda: calls.append(1))

    assert jobs.run_due(NOON) == ["tick"]
    assert jobs.run_due(NOON + timedelta(minutes=9)) == []
    assert jobs.run_due(NOON + timedelta(minutes=10)) == ["tick"]

    assert len(calls) == 2
    assert [(r.slot, r.error) for r in runs(db)] == [(NOON, None), (NOON + timedelta(minutes=10), None)]
    assert all(r.finished_at is not None for r in runs(db))


def test_a_failing_job_is_recorded_logged_its_work_undone_and_retried_next_slot(app, db, only, create_user, caplog):
    user = create_user(Role.ENTERPRISE)
    attempts = []

    def flaky():
        attempts.append(1)
        user.name = "作业中途写下的名字"
        db.session.flush()
        if len(attempts) == 1:
            raise RuntimeError("mail server exploded")

    only("flaky", flaky)
    only("steady", lambda: None)

    assert jobs.run_due(NOON) == ["flaky", "steady"], "one failure stops no other job"
    (failed,) = runs(db, "flaky")
    assert failed.error == "RuntimeError: mail server exploded" and failed.finished_at is not None
    assert "job flaky failed" in caplog.text
    db.session.refresh(user)
    assert user.name != "作业中途写下的名字", "the failed run's writes are rolled back"
    assert runs(db, "steady")[0].error is None

    assert jobs.run_due(NOON + timedelta(minutes=1)) == [], "a failed slot is not run again"
    assert jobs.run_due(NOON + timedelta(minutes=10)) == ["flaky", "steady"]
    assert runs(db, "flaky")[-1].error is None
    db.session.refresh(user)
    assert user.name == "作业中途写下的名字", "a successful run's writes are committed"


@pytest.mark.real_commits  # two threads, each on a connection of its own
def test_two_callers_at_once_run_a_job_once_per_slot(app, db, only, monkeypatch):
    calls = []

    def slow():
        calls.append(threading.get_ident())
        time.sleep(0.2)

    only("slow", slow)
    only("other", lambda: calls.append("other"))
    # Both callers are about to claim the same slot before either has.
    both_ready = threading.Barrier(2, timeout=20)
    real_claim = jobs._claim

    def claim_together(name, slot):
        if name == "slow":
            both_ready.wait()
        return real_claim(name, slot)

    monkeypatch.setattr(jobs, "_claim", claim_together)
    ran, errors = {}, []

    def tick(name):
        try:
            with app.app_context():
                ran[name] = jobs.run_due(NOON)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=tick, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sorted(ran["a"] + ran["b"]) == ["other", "slow"]
    assert len(calls) == 2 and calls.count("other") == 1
    assert sorted((r.job, r.slot) for r in runs(db)) == [("other", NOON), ("slow", NOON)]


def test_deadline_reminders_go_out_once_through_the_jobs(app, db, outbox, frozen_now, create_user, create_scenario):
    user = create_user(Role.ENTERPRISE)
    scenario = create_scenario(state="published", deadline=clock.now() + timedelta(hours=5))
    now = clock.now()
    db.session.add(Proposal(scenario=scenario, organization=user.organization, created_by=user,
                            state=ProposalState.DRAFT, version_count=0, created_at=now, updated_at=now))
    db.session.commit()

    assert "notifications.deadline-reminders" in jobs.run_due()
    frozen_now.travel(timedelta(minutes=10))
    assert "notifications.deadline-reminders" in jobs.run_due(), "the next slot runs it again"

    reminders = db.session.scalar(select(func.count()).select_from(Notification)
                                  .where(Notification.kind == "deadline_reminder"))
    assert reminders == 1
    assert [m["To"].addresses[0].addr_spec for m in mails(outbox)] == [user.email]
    assert len(mails(outbox)) == 1, "e-mailed once"


def test_old_runs_are_pruned_by_a_job_of_their_own(app, db, only, frozen_now):
    only("tick", lambda: None)
    jobs.run_due(frozen_now.now() - jobs.KEEP_RUNS - timedelta(days=1))
    jobs.run_due(frozen_now.now())

    assert jobs.prune_runs() == 1
    assert [r.slot for r in runs(db)] == [jobs.every(minutes=10).slot(frozen_now.now())]


def test_the_cli_runs_what_is_due_and_lists_the_jobs(app, db, only):
    only("tick", lambda: None)
    runner = app.test_cli_runner()

    first, second = runner.invoke(args=["run-jobs"]), runner.invoke(args=["run-jobs"])
    listing = runner.invoke(args=["run-jobs", "--list"])

    assert first.exit_code == 0 and "jobs run: tick" in first.output
    assert "none due" in second.output or "jobs run: tick" in second.output  # a slot may have just begun
    assert listing.exit_code == 0 and "tick (every 0:10:00): last slot" in listing.output and "ok" in listing.output

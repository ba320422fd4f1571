"""专家库 and the random draw of experts: the draw is a pure function of the seed and the candidate set, the pool
holds only available, conflict-free reviewers of a matching field, a pool that is too small is refused, and
hand-picking needs a reason that is recorded, audited and shown with the ranking."""

import hashlib
import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.errors import InvalidTransition, NotReady, PermissionDenied
from portal.extensions import db as _db
from portal.reviews import conflicts, draw, experts
from portal.reviews.models import ExpertDraw, ExpertPick, Review
from tests.reviews.helpers import department_of

VISION = "machine_vision"
TODAY = date(2026, 3, 2)  # frozen_now, in Hangzhou

ids = st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=40, unique=True)
seeds = st.text(alphabet="0123456789abcdef", min_size=1, max_size=32)


# --- the draw itself: pure, deterministic, recomputable ----------------------------------------------

@settings(max_examples=200, deadline=None)
@given(seed=seeds, candidates=ids, data=st.data())
def test_the_same_seed_and_candidates_give_the_same_draw_in_any_listed_order(seed, candidates, data):
    size = data.draw(st.integers(min_value=1, max_value=len(candidates)))
    standby = data.draw(st.integers(min_value=0, max_value=len(candidates) - size))
    shuffled = data.draw(st.permutations(candidates))
    first = draw.recompute(seed, candidates, size, standby)
    assert draw.recompute(seed, shuffled, size, standby) == first
    assert len(first.drawn) == size and len(first.standbys) == standby
    chosen = first.drawn + first.standbys
    assert len(set(chosen)) == len(chosen) and set(chosen) <= set(candidates)


@settings(max_examples=200, deadline=None)
@given(seed=seeds, candidates=ids, data=st.data())
def test_the_draw_is_what_the_page_explains_sha256_of_seed_and_id_smallest_first(seed, candidates, data):
    size = data.draw(st.integers(min_value=1, max_value=len(candidates)))
    by_hand = sorted(candidates, key=lambda i: hashlib.sha256(f"{seed}:{i}".encode()).hexdigest())
    assert draw.recompute(seed, candidates, size, 0).drawn == tuple(by_hand[:size])


@settings(max_examples=100, deadline=None)
@given(seed=seeds, candidates=ids, data=st.data())
def test_more_standbys_never_change_who_is_drawn(seed, candidates, data):
    size = data.draw(st.integers(min_value=1, max_value=len(candidates)))
    standby = data.draw(st.integers(min_value=0, max_value=len(candidates) - size))
    assert draw.recompute(seed, candidates, size, standby).drawn == draw.recompute(seed, candidates, size, 0).drawn


@given(seed=seeds, candidates=ids)
def test_too_few_candidates_are_refused_with_the_count(seed, candidates):
    with pytest.raises(draw.TooFewCandidates) as refused:
        draw.recompute(seed, candidates, len(candidates), 1)
    assert (refused.value.found, refused.value.needed) == (len(candidates), len(candidates) + 1)


def test_a_known_draw_stays_the_same():
    # Fixed by hand, so a change of the rule cannot pass unnoticed: old records must still recompute.
    assert draw.ticket("3f9a0c1d2e4b5a60", 17) == hashlib.sha256(b"3f9a0c1d2e4b5a60:17").hexdigest()
    outcome = draw.recompute("seed", range(1, 11), 3, 2)
    assert outcome == draw.recompute("seed", list(range(10, 0, -1)), 3, 2)
    assert draw.METHOD == "sha256-v1"


# --- the pool ---------------------------------------------------------------------------------------

@pytest.fixture
def admin(create_user):
    return create_user(Role.ADMIN)


@pytest.fixture
def pool_of(create_user, admin):
    """Reviewers with an expert profile: make(n, fields=…, available=…, until=…)."""

    def make(n=1, fields=(VISION,), available=True, until=None, district=None):
        made = []
        for _ in range(n):
            reviewer = create_user(Role.REVIEWER)
            experts.save_expert_profile(reviewer, admin, fields=list(fields), district=district, available=available,
                                        unavailable_until=until)
            made.append(reviewer)
        _db.session.commit()
        return made

    return make


def _draw(scenario, size=5, standby=2, fields=(VISION,)):
    record = experts.draw_experts(scenario, department_of(scenario), fields=list(fields), size=size, standby=standby)
    _db.session.commit()
    return record


def test_the_pool_holds_available_conflict_free_reviewers_of_a_matching_field(closed, pool_of, bidders,
                                                                               frozen_now):
    fits = pool_of(3)
    other_field = pool_of(1, fields=("ultrasound",))
    paused = pool_of(1, available=False)
    paused_until_tomorrow = pool_of(1, available=False, until=TODAY + timedelta(days=1))
    employed_by_bidder = pool_of(1)
    conflicts.save_employer(employed_by_bidder[0], employed_by_bidder[0], employer=bidders[1].organization.name,
                            uscc=None)
    _db.session.commit()
    found = experts.pool(closed, [VISION])
    assert [u.id for u in found.candidates] == sorted(u.id for u in fits)
    assert (found.no_field, found.unavailable, found.conflicted) == (1 + 0, 2, 1)
    assert other_field[0] not in found.candidates and paused[0] not in found.candidates
    # A pause with an end date is over the day after it.
    later = experts.pool(closed, [VISION], day=TODAY + timedelta(days=2))
    assert paused_until_tomorrow[0] in later.candidates and paused[0] not in later.candidates


def test_a_draw_assigns_the_drawn_records_seed_and_pool_and_recomputes(closed, pool_of, proposals):
    pool = pool_of(9)
    record = _draw(closed)
    assert record.candidates == sorted(u.id for u in pool)
    assert len(record.drawn) == 5 and len(record.standbys) == 2
    assigned = set(_db.session.scalars(select(Review.reviewer_id).where(Review.scenario_id == closed.id)))
    assert assigned == set(record.drawn)
    assert _db.session.scalar(select(Review.id).where(Review.scenario_id == closed.id)) is not None
    outcome, matches = experts.verify(record)
    assert matches and list(outcome.drawn) == record.drawn
    audit = _db.session.scalar(select(AuditRecord).where(AuditRecord.action == "expert.draw"))
    assert audit.details["seed"] == record.seed and audit.details["candidates"] == record.candidates
    assert audit.details["drawn"] == record.drawn


def test_a_tampered_record_no_longer_verifies(closed, pool_of):
    pool_of(8)
    record = _draw(closed)
    record.drawn = list(reversed(record.drawn))
    assert experts.verify(record)[1] is False


# Each example builds its own scenario and reviewers and retires them at its end (the database is the test's).
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(conflicted=st.lists(st.booleans(), min_size=8, max_size=8))
def test_no_conflicted_reviewer_is_ever_drawn_or_stands_by(app, db, create_user, create_scenario, submit_proposal,
                                                          conflicted):
    from tests.reviews.helpers import closed_scenario

    bidder = create_user(Role.ENTERPRISE)
    scenario, _versions = closed_scenario(create_scenario, submit_proposal, [bidder])
    admin = create_user(Role.ADMIN)
    bad, made = set(), []
    try:
        _check_no_conflicted_drawn(scenario, admin, bidder, conflicted, bad, made, create_user)
    finally:
        _db.session.rollback()
        for reviewer in made:
            reviewer.active = False
        _db.session.commit()


def _check_no_conflicted_drawn(scenario, admin, bidder, conflicted, bad, made, create_user):
    for is_conflicted in conflicted:
        reviewer = create_user(Role.REVIEWER)
        made.append(reviewer)
        experts.save_expert_profile(reviewer, admin, fields=[VISION], district=None, available=True,
                                    unavailable_until=None)
        if is_conflicted:
            conflicts.add_entry(reviewer, reviewer, kind="shareholding", org_name=bidder.organization.name)
            bad.add(reviewer.id)
    _db.session.commit()
    clean = len(conflicted) - len(bad)
    if clean < 2:
        with pytest.raises(NotReady):
            _draw(scenario, size=1, standby=1)
        return
    record = _draw(scenario, size=1, standby=1)
    assert not bad & set(record.candidates + record.drawn + record.standbys)
    assert len(record.candidates) == clean


def test_too_few_candidates_are_refused_in_chinese_with_the_count_and_nothing_is_assigned(closed, pool_of):
    pool_of(4)
    with pytest.raises(NotReady) as refused:
        _draw(closed, size=5, standby=2)
    assert "只有 4 位" in refused.value.message and "7 位" in refused.value.message
    assert "增加专业领域" in refused.value.message
    _db.session.rollback()
    assert _db.session.scalar(select(ExpertDraw.id)) is None
    assert _db.session.scalar(select(Review.id)) is None


def test_widening_the_fields_widens_the_pool(closed, pool_of):
    pool_of(4)
    pool_of(3, fields=("video_surveillance",))
    with pytest.raises(NotReady):
        _draw(closed, size=5, standby=2)
    _db.session.rollback()
    record = _draw(closed, size=5, standby=2, fields=(VISION, "video_surveillance"))
    assert len(record.candidates) == 7


def test_a_second_draw_leaves_out_the_panel_already_drawn(closed, pool_of):
    pool_of(9)
    first = _draw(closed, size=3, standby=0)
    second = _draw(closed, size=3, standby=0)
    assert not set(first.drawn) & set(second.candidates)


@pytest.mark.parametrize(("values", "field"), [
    ({"fields": []}, "fields"), ({"fields": ["no_such_field"]}, "fields"), ({"size": 0}, "size"),
    ({"size": 16}, "size"), ({"size": None}, "size"), ({"standby": -1}, "standby"), ({"standby": 11}, "standby"),
])
def test_bad_draw_values_are_refused_naming_the_field(closed, pool_of, values, field):
    pool_of(3)
    with pytest.raises(NotReady) as refused:
        experts.draw_experts(closed, department_of(closed), **{"fields": [VISION], "size": 1, "standby": 0, **values})
    assert refused.value.field == field


def test_only_the_owning_department_draws_and_only_in_review(closed, pool_of, create_user, create_scenario):
    pool_of(3)
    for actor in (create_user(Role.GOVERNMENT), create_user(Role.REVIEWER), create_user(Role.ADMIN)):
        with pytest.raises(PermissionDenied):
            experts.draw_experts(closed, actor, fields=[VISION], size=1, standby=0)
    draft = create_scenario(closed.batch, state="draft")
    with pytest.raises((InvalidTransition, PermissionDenied)):
        experts.draw_experts(draft, department_of(closed), fields=[VISION], size=1, standby=0)


def test_standbys_are_offered_first_when_an_overdue_reviewer_is_replaced(closed, pool_of, frozen_now):
    from portal.reviews import period

    pool_of(6, fields=("ultrasound",))  # not in the draw, but standbys of any kind may take over
    pool_of(5)
    record = _draw(closed, size=2, standby=2)
    frozen_now.set_now(frozen_now.now() + timedelta(days=30))
    overdue = next(row for row in period.progress(closed) if row.reviewer.id == record.drawn[0])
    offered = [u.id for u in period.standby_candidates(closed, overdue)]
    assert offered[:2] == record.standbys


# --- hand-picking -----------------------------------------------------------------------------------

def test_hand_picking_needs_a_reason_which_is_recorded_audited_and_shown(client, login_as, closed, pool_of,
                                                                       department):
    picked = pool_of(1)[0]
    with pytest.raises(NotReady) as refused:
        experts.pick_experts(closed, department, [picked], "  ")
    assert refused.value.field == "reason"
    _db.session.rollback()

    login_as(department)
    page = client.post(f"/manage/scenarios/{closed.id}/review/assign", data={"reviewers": [str(picked.id)]})
    assert page.status_code == 200 and "指定专家须填写理由" in page.text
    assert f'value="{picked.id}" id="rev-{picked.id}" checked' in page.text  # the choice is kept
    assert _db.session.scalar(select(Review.id).where(Review.reviewer_id == picked.id)) is None

    response = client.post(f"/manage/scenarios/{closed.id}/review/assign",
                           data={"reviewers": [str(picked.id)], "reason": "唯一熟悉该设备的专家"})
    assert response.status_code == 302
    pick = _db.session.scalar(select(ExpertPick))
    assert (pick.reviewer_id, pick.reason) == (picked.id, "唯一熟悉该设备的专家")
    audit = _db.session.scalar(select(AuditRecord).where(AuditRecord.action == "expert.pick"))
    assert audit.details["reason"] == "唯一熟悉该设备的专家" and audit.details["reviewer"] == picked.id
    ranking = client.get(f"/manage/scenarios/{closed.id}/ranking").text
    assert "指定" in ranking and "理由：唯一熟悉该设备的专家" in ranking


def test_the_ranking_marks_drawn_experts_apart_from_picked_ones(client, login_as, closed, pool_of, department):
    pool_of(6)
    record = _draw(closed, size=3, standby=1)
    login_as(department)
    ranking = client.get(f"/manage/scenarios/{closed.id}/ranking").text
    assert ranking.count("随机抽取</span>") == 3 and "理由：" not in ranking
    assert f"#draw-{record.id}" in ranking


# --- the pages ------------------------------------------------------------------------------------

def test_the_draw_page_shows_seed_candidates_tickets_and_how_to_recompute(client, login_as, closed, pool_of,
                                                                         department):
    pool_of(8)
    login_as(department)
    page = client.get(f"/manage/scenarios/{closed.id}/review/draw")
    assert page.status_code == 200 and "尚未抽取" in page.text
    response = client.post(f"/manage/scenarios/{closed.id}/review/draw",
                           data={"fields": [VISION], "size": "5", "standby": "2"})
    assert response.status_code == 302
    record = _db.session.scalar(select(ExpertDraw))
    page = client.get(f"/manage/scenarios/{closed.id}/review/draw").text
    assert record.seed in page and "sha256sum" in page
    for candidate in record.candidates:
        assert f'data-candidate="{candidate}"' in page and draw.ticket(record.seed, candidate) in page
    verify = client.get(f"/manage/scenarios/{closed.id}/review/draws/{record.id}/verify").text
    assert "一致：" in verify


def test_a_refused_draw_keeps_the_choices_and_says_how_many_were_found(client, login_as, closed, pool_of,
                                                                       department):
    pool_of(2)
    login_as(department)
    page = client.post(f"/manage/scenarios/{closed.id}/review/draw",
                       data={"fields": [VISION], "size": "5", "standby": "1"})
    assert page.status_code == 200 and "符合条件的专家只有 2 位" in page.text
    (box,) = re.findall(rf'<input[^>]*value="{VISION}"[^>]*>', page.text)
    assert "checked" in box
    for bad in ({"fields": [VISION], "size": "abc", "standby": "1"}, {"size": "5", "standby": "1"}):
        assert client.post(f"/manage/scenarios/{closed.id}/review/draw", data=bad).status_code == 200


def test_a_draw_of_another_scenario_is_not_found(client, login_as, closed, pool_of, department, create_user,
                                                 create_scenario, submit_proposal):
    from tests.reviews.helpers import closed_scenario

    pool_of(3)
    record = _draw(closed, size=1, standby=0)
    other, _v = closed_scenario(create_scenario, submit_proposal, [create_user(Role.ENTERPRISE)], batch=closed.batch)
    login_as(department)
    assert client.get(f"/manage/scenarios/{other.id}/review/draws/{record.id}/verify").status_code == 404


# --- the expert profile -----------------------------------------------------------------------------

def test_a_reviewer_keeps_its_expert_profile_and_each_change_is_audited(client, login_as, create_user, frozen_now):
    reviewer = create_user(Role.REVIEWER)
    login_as(reviewer)
    assert client.get("/reviewing/expertise").status_code == 200
    response = client.post("/reviewing/expertise", data={"fields": [VISION, "ct"], "district": "西湖区",
                                                         "available": "no", "unavailable_until": "2026-03-20"})
    assert response.status_code == 302
    profile = experts.get_expert_profile(reviewer)
    assert (profile.fields, profile.district, profile.available, profile.unavailable_until) == (
        [VISION, "ct"], "西湖区", False, date(2026, 3, 20))
    assert _db.session.scalar(select(AuditRecord).where(AuditRecord.action == "expert_profile.update"))


@pytest.mark.parametrize(("data", "message"), [
    ({"available": "yes"}, "请至少选择一个专业领域"),
    ({"fields": ["nope"], "available": "yes"}, "请从列表中选择专业领域"),
    ({"fields": [VISION], "available": "yes", "district": "火星区"}, "请选择所在区县市"),
    ({"fields": [VISION], "available": "no", "unavailable_until": "2026-03-01"}, "暂停日期不能早于今天"),
    ({"fields": [VISION], "available": "no", "unavailable_until": "2026-13-45"}, "请填写有效的日期"),
])
def test_bad_profile_values_are_refused_in_chinese_and_kept(client, login_as, create_user, frozen_now, data,
                                                            message):
    login_as(create_user(Role.REVIEWER))
    page = client.post("/reviewing/expertise", data=data)
    assert page.status_code == 200 and message in page.text


def test_an_admin_edits_a_reviewers_profile_but_no_one_else_does(client, login_as, create_user, admin):
    reviewer, other = create_user(Role.REVIEWER), create_user(Role.REVIEWER)
    login_as(admin)
    assert client.post(f"/admin/reviewers/{reviewer.id}/expertise",
                       data={"fields": [VISION], "available": "yes"}).status_code == 302
    assert experts.get_expert_profile(reviewer).fields == [VISION]
    audit = _db.session.scalar(select(AuditRecord).where(AuditRecord.action == "expert_profile.update"))
    assert audit.details["by_admin"] is True
    assert client.get(f"/admin/reviewers/{create_user(Role.ENTERPRISE).id}/expertise").status_code == 404
    for actor in (other, create_user(Role.GOVERNMENT), create_user(Role.ENTERPRISE)):
        with pytest.raises(PermissionDenied):
            experts.save_expert_profile(reviewer, actor, fields=[VISION], district=None, available=True,
                                        unavailable_until=None)

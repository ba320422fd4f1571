"""The discussion of a proposal flagged 需讨论: the panel and the owning department read and post, nobody else sees
it (bidders, the public, reviewers off the panel or kept out of the proposal, admins); posts are plain text,
audited, and tell the other participants; once the ranking is final the thread is read-only."""

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.errors import Conflict, InvalidTransition, NotReady, PermissionDenied
from portal.extensions import db as _db
from portal.notifications.models import Notification
from portal.permissions import can_view_discussion
from portal.reviews import conflicts, discussion
from portal.reviews.models import DiscussionPost
from tests.announcements.helpers import decided
from tests.reviews.helpers import assign, department_of, fully_reviewed

# Proposal A's totals spread 40 points (flagged above 20); B's and C's do not.
TOTALS = [[90, 50, 70], [80, 78, 75], [60, 62, 61]]


@pytest.fixture
def panel(closed, reviewers):
    fully_reviewed(closed, reviewers[:3], TOTALS)
    return reviewers[:3]


@pytest.fixture
def flagged(panel, proposals):
    return proposals[0]


def _thread(proposal):
    return f"/review-discussions/proposals/{proposal.id}"


def _post(proposal, user, text="专家甲打分偏低，请说明理由。"):
    post = discussion.add_post(proposal, user, text)
    _db.session.commit()
    return post


def test_the_ranking_flags_only_the_proposal_whose_totals_spread_too_far(flagged, proposals):
    assert discussion.flagged_ids(flagged.scenario) == {proposals[0].id}
    assert discussion.flagged_in([flagged.scenario_id]) == {proposals[0].id}, "the task list's one query agrees"
    assert discussion.is_open(proposals[0]) and not discussion.is_open(proposals[1])


# --- who sees the thread ------------------------------------------------------------------------

def _user_for(role, closed, reviewers, bidders, create_user):
    if role == "bidder":
        return bidders[0]
    if role == "other_bidder":
        return bidders[1]
    if role == "enterprise":
        return create_user(Role.ENTERPRISE)
    if role == "panel_reviewer":
        return reviewers[1]
    if role == "reviewer_off_panel":
        return reviewers[5]
    if role == "reviewer_kept_out":
        # Assigned to the scenario, but its profile names proposal A's bidder: excluded from A only.
        conflicts.save_employer(reviewers[3], reviewers[3], employer=bidders[0].organization.name, uscc=None)
        _db.session.commit()
        assign(closed, [reviewers[3]])
        return reviewers[3]
    if role == "department":
        return department_of(closed)
    if role == "other_department":
        return create_user(Role.GOVERNMENT)
    if role == "admin":
        return create_user(Role.ADMIN)
    return None


VISIBILITY = {"anonymous": 302, "bidder": 403, "other_bidder": 403, "enterprise": 403, "panel_reviewer": 200,
              "reviewer_off_panel": 404, "reviewer_kept_out": 404, "department": 200, "other_department": 404,
              "admin": 403}


@pytest.mark.parametrize("role", sorted(VISIBILITY))
def test_only_the_panel_and_the_department_see_the_thread(client, login_as, closed, flagged, reviewers, bidders,
                                                          create_user, role):
    _post(flagged, reviewers[0], "我的打分依据是技术路线不成熟。")
    user = _user_for(role, closed, reviewers, bidders, create_user)
    if user is not None:
        login_as(user)
    page = client.get(_thread(flagged))
    assert page.status_code == VISIBILITY[role]
    assert ("技术路线不成熟" in page.get_data(as_text=True)) is (VISIBILITY[role] == 200)
    if user is None:
        return
    assert can_view_discussion(user, flagged) is (VISIBILITY[role] == 200)
    if VISIBILITY[role] != 200:
        with pytest.raises(PermissionDenied):
            discussion.add_post(flagged, user, "我也想说两句。")


def test_a_proposal_not_flagged_has_no_thread(client, login_as, closed, panel, proposals):
    for user in (department_of(closed), panel[0]):
        login_as(user)
        assert client.get(_thread(proposals[1])).status_code == 404
    with pytest.raises(Conflict, match="未标注"):
        discussion.add_post(proposals[1], panel[0], "讨论一下")


def test_the_reviewers_task_list_and_the_ranking_link_the_thread(client, login_as, closed, flagged, panel,
                                                                  proposals):
    login_as(panel[0])
    text = client.get("/reviewing/").get_data(as_text=True)
    assert _thread(flagged) in text and _thread(proposals[1]) not in text
    login_as(department_of(closed))
    assert _thread(flagged) in client.get(f"/manage/scenarios/{closed.id}/ranking").get_data(as_text=True)


# --- posting ------------------------------------------------------------------------------------

def test_a_post_is_plain_text_audited_and_tells_the_others(client, login_as, closed, flagged, panel, bidders):
    login_as(panel[0])
    page = client.post(_thread(flagged), data={"body": "<script>alert(1)</script>\n第二行"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "发言已发表" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>alert(1)" not in text
    (post,) = _db.session.scalars(select(DiscussionPost)).all()
    assert post.body == "<script>alert(1)</script>\n第二行" and post.author_id == panel[0].id
    (record,) = _db.session.scalars(select(AuditRecord).where(AuditRecord.action == "review.discussion_post")).all()
    assert record.actor_id == panel[0].id and record.details["proposal"] == flagged.id
    told = _db.session.scalars(select(Notification).where(Notification.kind == "review_discussion")).all()
    department = [u.id for u in closed.batch.department.users if u.role == Role.GOVERNMENT]
    assert sorted(n.user_id for n in told) == sorted([panel[1].id, panel[2].id, *department])
    assert all(n.link == _thread(flagged) for n in told)
    assert not any(bidders[0].organization.name in n.title + n.body for n in told), "blind: no bidder named"


def test_the_department_posts_and_the_panel_is_told(closed, flagged, panel):
    _post(flagged, department_of(closed), "请三位专家在周五前统一意见。")
    told = _db.session.scalars(select(Notification.user_id).where(Notification.kind == "review_discussion")).all()
    assert sorted(told) == sorted(r.id for r in panel)


@pytest.mark.parametrize(("text", "message"), [("   ", "请填写讨论内容"), ("长" * 2001, "不超过 2000 字")])
def test_an_empty_or_long_post_is_refused_in_chinese_and_kept(client, login_as, flagged, panel, text, message):
    with pytest.raises(NotReady, match=message):
        discussion.add_post(flagged, panel[0], text)
    _db.session.rollback()
    login_as(panel[0])
    page = client.post(_thread(flagged), data={"body": text})
    assert page.status_code == 200 and message in page.get_data(as_text=True)
    if text.strip():
        assert text in page.get_data(as_text=True)
    assert _db.session.scalars(select(DiscussionPost)).all() == []


def test_the_thread_is_read_only_once_the_ranking_is_final(client, login_as, closed, flagged, panel, proposals):
    _post(flagged, panel[0], "打分依据已说明。")
    decided(closed, [proposals[1]])
    with pytest.raises(InvalidTransition, match="讨论已关闭"):
        discussion.add_post(flagged, panel[1], "补充一句")
    _db.session.rollback()
    login_as(panel[1])
    page = client.get(_thread(flagged))
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "打分依据已说明" in text and "讨论已关闭" in text
    assert 'name="body"' not in text

"""What bidders get back: after the result is final, each bidder reads its own total, place and the reviewers'
comments (评审专家 A/B/C, never names), as far as the department chose; never another's, never before."""

from datetime import timedelta

import pytest

from portal.accounts.models import Role
from portal.announcements import operations
from portal.announcements.models import Feedback
from portal.extensions import db as _db
from tests.announcements.helpers import announced
from tests.reviews.helpers import department_of, fully_reviewed

TOTALS = [[88, 86, 84], [70, 72, 74], [60, 62, 64]]


def _reviewed(closed, reviewers, proposals, feedback=Feedback.COMMENTS):
    fully_reviewed(closed, reviewers[:3], TOTALS)
    operations.decide(closed, department_of(closed), winner_ids=[proposals[0].id], rationale="综合得分第一。",
                      feedback=feedback)
    _db.session.commit()


@pytest.mark.parametrize("feedback", list(Feedback))
def test_the_losing_bidder_reads_what_the_department_chose_and_nothing_more(
        client, login_as, frozen_now, closed, reviewers, proposals, bidders, feedback):
    _reviewed(closed, reviewers, proposals, feedback)
    frozen_now.set_now(announced(closed).ends_at)
    login_as(bidders[1])
    page = client.get(f"/proposals/{proposals[1].id}/feedback")
    if feedback == Feedback.NONE:
        assert page.status_code == 404
        assert "查看本单位方案的评审反馈" not in client.get(f"/scenarios/{closed.id}/announcement").text
        return
    assert page.status_code == 200
    text = page.text
    assert "72.00" in text  # its own total
    assert ("第 2 名（共 3 个方案）" in text) is feedback.shows_place
    assert ("评审专家 A" in text and "评审专家 C" in text and "评语0" in text) is feedback.shows_comments
    for reviewer in reviewers:  # never a reviewer's name, nor their organisation
        assert reviewer.name not in text and reviewer.organization.name not in text
    for other in ("86.00", "62.00", bidders[0].organization.name, bidders[2].organization.name):
        assert other not in text  # never another bidder's score or name
    assert "查看本单位方案的评审反馈" in client.get(f"/scenarios/{closed.id}/announcement").text
    assert f"/proposals/{proposals[1].id}/feedback" in client.get(f"/proposals/{proposals[1].id}").text


@pytest.mark.parametrize("stage", ["decided", "announced", "objection_open_after_window"])
def test_nothing_is_shown_before_the_result_is_final(client, login_as, db, frozen_now, closed, reviewers, proposals,
                                                     bidders, stage):
    _reviewed(closed, reviewers, proposals)
    if stage != "decided":
        decision = announced(closed)
        if stage == "objection_open_after_window":
            operations.file_objection(closed, bidders[2], text="请复核。")
            db.session.commit()
            frozen_now.set_now(decision.ends_at + timedelta(days=1))
    login_as(bidders[1])
    assert client.get(f"/proposals/{proposals[1].id}/feedback").status_code == 404


@pytest.mark.parametrize("who", ["other_bidder", "department", "reviewer", "admin", "other_enterprise", "anonymous"])
def test_only_the_bidder_reads_its_own_feedback(client, login_as, frozen_now, closed, reviewers, proposals, bidders,
                                                department, create_user, who):
    _reviewed(closed, reviewers, proposals)
    frozen_now.set_now(announced(closed).ends_at)
    user = {"other_bidder": bidders[0], "department": department, "reviewer": reviewers[0],
            "admin": create_user(Role.ADMIN), "other_enterprise": create_user(Role.ENTERPRISE),
            "anonymous": None}[who]
    if user is not None:
        login_as(user)
    response = client.get(f"/proposals/{proposals[1].id}/feedback")
    assert response.status_code == (302 if user is None else 404)
    # The winner reads its own, never the loser's.
    if who == "other_bidder":
        assert client.get(f"/proposals/{proposals[0].id}/feedback").status_code == 200

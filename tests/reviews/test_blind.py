"""Blind review: nothing a reviewer can reach names the bidder, its code or its file names."""

import re

from sqlalchemy import select

from portal.audit import AuditRecord
from portal.errors import Conflict
from portal.reviews import queries as review_queries
from portal.reviews import setup as review_setup
from tests.reviews.helpers import assign, review_of


def _secrets(bidders, proposals):
    words = []
    for bidder in bidders:
        words += [bidder.organization.name, bidder.organization.uscc]
    for proposal in proposals:
        words += [a.display_name for a in proposal.latest_version.attachments]
    return words


def test_nothing_a_blind_reviewer_can_reach_names_the_bidder(client, login_as, db, closed, bidders, reviewers,
                                                             proposals):
    assign(closed, reviewers[:3])
    reviewer = reviewers[0]
    reviews = [review_of(closed, reviewer, p) for p in proposals]
    login_as(reviewer)
    pages = [client.get("/reviewing/"), client.get("/notifications/")]
    for review in reviews:
        pages.append(client.get(f"/reviewing/reviews/{review.id}"))
        pages.append(client.post(f"/reviewing/reviews/{review.id}/declare", data={"conflict": "no"},
                                 follow_redirects=True))
        pages.append(client.post(f"/reviewing/reviews/{review.id}", data={"score_0": "99", "submit": "1"}))
    download = client.get(f"/reviewing/reviews/{reviews[0].id}/attachments/1")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    download.close()
    disposition = download.headers["Content-Disposition"]
    assert "%E9%99%84%E4%BB%B61.pdf" in disposition  # 附件1.pdf
    pages.append(download)
    secrets = _secrets(bidders, proposals)
    assert all(secrets)
    for page in pages:
        body = page.get_data(as_text=True) + str(page.headers)
        for secret in secrets:
            # Not followed by a digit: the reviewer's own 测试单位10 on its profile summary is not 测试单位1.
            assert not re.search(re.escape(secret) + r"(?!\d)", body), (page.request.path, secret)
    assert "方案 A" in pages[2].get_data(as_text=True) or "方案 A" in pages[3].get_data(as_text=True)
    # The file under its own name stays out of reach, and so do the department's pages and exports.
    attachment = proposals[0].latest_version.attachments[0]
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    for path in (f"/manage/scenarios/{closed.id}/ranking", f"/manage/scenarios/{closed.id}/ranking/scores.csv",
                 f"/manage/scenarios/{closed.id}/review", f"/manage/proposals/{proposals[0].id}"):
        assert client.get(path).status_code == 403, path
    reads = db.session.scalars(select(AuditRecord.details).where(AuditRecord.action == "proposal.read",
                                                                 AuditRecord.actor_id == reviewer.id)).all()
    assert {"what": f"attachment:{attachment.id}"} in reads


def test_labels_are_stable_and_follow_the_order_of_the_proposals(closed, proposals):
    assert review_queries.proposal_labels(reversed(proposals)) == {p.id: "ABC"[i] for i, p in enumerate(proposals)}
    assert [review_queries.label_for(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_in_an_open_review_the_reviewer_sees_the_bidder_and_downloads_under_the_file_name(
        client, login_as, closed, department, bidders, reviewers, proposals):
    review_setup.save_setup(closed, department, blind=False, criteria=review_setup.get_setup(closed).criteria)
    assign(closed, reviewers[:3])
    review = review_of(closed, reviewers[0], proposals[0])
    login_as(reviewers[0])
    client.post(f"/reviewing/reviews/{review.id}/declare", data={"conflict": "no"})
    assert bidders[0].organization.name in client.get(f"/reviewing/reviews/{review.id}").text
    attachment = proposals[0].latest_version.attachments[0]
    response = client.get(f"/attachments/{attachment.id}")
    response.close()
    assert response.status_code == 200
    # The mode is fixed once a reviewer has read a proposal.
    try:
        review_setup.save_setup(closed, department, blind=True, criteria=review_setup.get_setup(closed).criteria)
    except Conflict as error:
        assert "评审方式不能再修改" in error.message
    else:
        raise AssertionError("the mode changed after a reviewer read a proposal")


def test_the_department_always_sees_the_bidders(client, login_as, closed, department, bidders, reviewers):
    assign(closed, reviewers[:3])
    login_as(department)
    page = client.get(f"/manage/scenarios/{closed.id}/review").text
    assert all(b.organization.name in page for b in bidders)

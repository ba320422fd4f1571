"""The whole review as its users go through it in the browser: assignment, a recusal replaced, five scores per
proposal, the ranking checked by hand, decision, 公示, an objection answered, and 揭榜成功 after the window."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.notifications.models import Notification
from portal.reviews.models import Review, ReviewState
from portal.scenarios.models import ScenarioState
from tests.factories import MINIMAL_PDF, form_values
from tests.reviews.helpers import split

# Totals per proposal (A, B, C), one per reviewer in the order they end up scoring.
TOTALS = {
    "A": [85, 80, 90, 70, 88],  # trimmed: (80 + 85 + 88) / 3 = 84.33; spread 20, not flagged
    "B": [60, 92, 75, 78, 80],  # trimmed: (75 + 78 + 80) / 3 = 77.67; spread 32, flagged
    "C": [70, 72, 74, 76, 78],  # trimmed: (72 + 74 + 76) / 3 = 74.00
}


def _score_form(total):
    data = {"submit": "1", "opinion": "技术路线清晰，建议支持。"}
    for i, value in enumerate(split(total)):
        data[f"score_{i}"] = str(value)
        data[f"comment_{i}"] = f"第{i + 1}项评语"
    return data


def test_five_reviewers_one_replaced_rank_decide_announce_object_answer_and_final(
        app, client, db, login_as, frozen_now, closed, department, bidders, reviewers, proposals, create_user):
    labels = dict(zip("ABC", proposals, strict=True))
    # The department opens the review set-up from the submissions list and assigns five reviewers.
    login_as(department)
    listing = client.get(f"/manage/scenarios/{closed.id}/proposals")
    assert f"/manage/scenarios/{closed.id}/review" in listing.text
    page = client.get(f"/manage/scenarios/{closed.id}/review")
    assert page.status_code == 200 and "技术先进性" in page.text
    response = client.post(f"/manage/scenarios/{closed.id}/review/assign",
                           data={"reviewers": [r.id for r in reviewers[:5]], "reason": "本领域资深专家"})
    assert response.status_code == 302
    assert closed.state == ScenarioState.UNDER_REVIEW
    assert db.session.scalar(select(AuditRecord).where(AuditRecord.action == "scenario.start_review"))

    # The fifth reviewer declares a conflict with proposal B; the department is told and assigns the sixth.
    conflicted, replacement = reviewers[4], reviewers[5]
    login_as(conflicted)
    review = db.session.scalar(select(Review).where(Review.reviewer_id == conflicted.id,
                                                    Review.proposal_id == labels["B"].id))
    page = client.get(f"/reviewing/reviews/{review.id}")
    assert "回避声明" in page.text and labels["B"].latest_version.title not in page.text
    client.post(f"/reviewing/reviews/{review.id}/declare", data={"conflict": "yes", "reason": "曾在该单位任职"})
    assert review.state == ReviewState.RECUSED
    assert "方案 B" not in client.get("/reviewing/").text
    assert client.get(f"/reviewing/reviews/{review.id}").status_code == 404
    note = db.session.scalar(select(Notification).where(Notification.user_id == department.id,
                                                        Notification.kind == "review_recused"))
    assert "替补" in note.title
    login_as(department)
    assert "声明回避" in client.get(f"/manage/scenarios/{closed.id}/review").text
    client.post(f"/manage/scenarios/{closed.id}/review/assign",
                data={"reviewers": [replacement.id], "proposal_id": str(labels["B"].id), "reason": "替补回避的专家"})
    assert db.session.scalars(select(Review.proposal_id).where(Review.reviewer_id == replacement.id)).all() == [
        labels["B"].id]

    # Every reviewer declares no conflict and scores its proposals.
    panel = {"A": reviewers[:5], "B": reviewers[:4] + [replacement], "C": reviewers[:5]}
    for label, members in panel.items():
        for reviewer, total in zip(members, TOTALS[label], strict=True):
            login_as(reviewer)
            review = db.session.scalar(select(Review).where(Review.reviewer_id == reviewer.id,
                                                            Review.proposal_id == labels[label].id))
            assert client.post(f"/reviewing/reviews/{review.id}/declare", data={"conflict": "no"}).status_code == 302
            page = client.get(f"/reviewing/reviews/{review.id}")
            assert f"方案 {label}" in page.text and labels[label].latest_version.title in page.text
            response = client.post(f"/reviewing/reviews/{review.id}", data=_score_form(total))
            assert response.status_code == 302, response.text
            assert review.state == ReviewState.SUBMITTED

    # The ranking matches the hand computation and shows every reviewer's total.
    login_as(department)
    page = client.get(f"/manage/scenarios/{closed.id}/ranking")
    text = re.sub(r"\s+", " ", page.text)
    assert "84.33" in text and "77.67" in text and "74.00" in text
    assert text.index(bidders[0].organization.name) < text.index(bidders[1].organization.name) \
        < text.index(bidders[2].organization.name)
    assert "需讨论" in text and "32.00" in text
    exported = client.get(f"/manage/scenarios/{closed.id}/ranking/ranking.csv")
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["A", "B", "C"]
    first = rows[1]
    totals = [Decimal(v) for v in first[6:11]]
    assert sorted(totals) == sorted(Decimal(t) for t in TOTALS["A"])
    assert Decimal(first[11]) == (sum(sorted(totals)[1:-1]) / 3).quantize(Decimal("0.01"))

    # Decision with a rationale, then 公示 with the default window.
    # Each is asked once more on a confirmation page before it happens.
    decision = {"winners": [labels["A"].id], "rationale": "综合得分第一，技术路线成熟。"}
    response = client.post(f"/manage/scenarios/{closed.id}/decision", data=decision)
    assert response.status_code == 200 and "确定定榜" in response.text
    response = client.post(f"/manage/scenarios/{closed.id}/decision", data={**decision, "confirmed": "1"})
    assert response.status_code == 302 and closed.state == ScenarioState.DECIDED
    form = form_values(client.get(f"/manage/scenarios/{closed.id}/announce").text)
    form["publish_scores"] = "y"
    response = client.post(f"/manage/scenarios/{closed.id}/announce", data={**form, "submit": "1"})
    assert response.status_code == 200 and "确定发布公示" in response.text
    response = client.post(f"/manage/scenarios/{closed.id}/announce", data={**form, "submit": "1", "confirmed": "1"})
    assert response.status_code == 302 and closed.state == ScenarioState.ANNOUNCED
    for bidder in bidders:
        assert db.session.scalar(select(Notification).where(Notification.user_id == bidder.id,
                                                            Notification.kind == "result_announced"))

    # The public sees the 公示; a verified enterprise that did not bid objects, with a PDF.
    client.post("/logout")
    public = client.get(f"/scenarios/{closed.id}/announcement")
    assert public.status_code == 200 and bidders[0].organization.name in public.text and "84.33" in public.text
    assert "公示中" in client.get(f"/scenarios/{closed.id}").text
    objector = login_as(create_user(Role.ENTERPRISE))
    response = client.post(f"/scenarios/{closed.id}/objections", content_type="multipart/form-data",
                           data={"text": "中标方案的报价明显低于成本。",
                                 "attachment": (io.BytesIO(MINIMAL_PDF), "成本测算.pdf")})
    assert response.status_code == 302
    page = client.get(f"/scenarios/{closed.id}/announcement")
    assert "中标方案的报价明显低于成本" in page.text and "待答复" in page.text and "成本测算.pdf" in page.text

    # The department is told, answers; the objector sees the answer and is told too.
    login_as(department)
    note = db.session.scalar(select(Notification).where(Notification.user_id == department.id,
                                                        Notification.kind == "objection_filed"))
    assert client.get(note.link).status_code == 200
    assert client.post(note.link, data={"answer": "经复核，报价含分期实施，合理。",
                                        "outcome": "rejected"}).status_code == 302
    login_as(objector)
    assert "经复核，报价含分期实施" in client.get(f"/scenarios/{closed.id}/announcement").text
    assert db.session.scalar(select(Notification).where(Notification.user_id == objector.id,
                                                        Notification.kind == "objection_answered"))

    # Still 公示 until the window ends; then 揭榜成功 on the scenario and on /results, by server time alone.
    assert closed.status == ScenarioState.ANNOUNCED
    assert bidders[0].organization.name not in client.get("/results").text
    frozen_now.set_now(closed.decision.ends_at + timedelta(minutes=1))
    assert closed.status == ScenarioState.FINAL
    client.post("/logout")
    scenario_page = client.get(f"/scenarios/{closed.id}")
    assert "揭榜成功" in scenario_page.text and bidders[0].organization.name in scenario_page.text
    results = client.get("/results")
    assert closed.title in results.text and bidders[0].organization.name in results.text
    rows = list(csv.reader(io.StringIO(client.get("/results.csv").data.decode("utf-8-sig"))))
    assert rows[1][1] == closed.title and rows[1][3] == bidders[0].organization.name
    # The department's next visit records the final state the clock already made true.
    login_as(department)
    client.get(f"/manage/scenarios/{closed.id}/ranking")
    db.session.refresh(closed)
    assert closed.state == ScenarioState.FINAL

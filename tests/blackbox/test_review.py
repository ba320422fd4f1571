"""Review, seen from outside: a blind reviewer's downloads carry no author or company, the bidder is never named
to it, a reviewer employed by the bidder under another spelling is excluded, and a reviewer may recuse itself
after declaring, before scoring."""

import pytest

from tests.reviews.documents import contains_secret, everything_in


def review_id(world, email, proposal_key):
    proposal = world["closed"][proposal_key]
    return next(r["id"] for r in world["closed"]["reviews"] if r["reviewer"] == email and r["proposal"] == proposal)


@pytest.mark.parametrize("position", [1, 2, 3, 4, 5])
def test_blind_downloads_carry_no_author_company_or_bidder(portal, position):
    browser = portal.user("fair")
    response = browser.get(f"/reviewing/reviews/{review_id(portal.world, portal.email('fair'), 'proposal')}"
                           f"/attachments/{position}")
    assert response.status_code == 200
    assert contains_secret(everything_in(response.content)) is None
    disposition = response.headers.get("Content-Disposition", "")
    assert "attachment" in disposition
    for name in ("方案", "报价", "说明", "现场", "截图", portal.world["mark"]):
        assert name not in disposition and name.encode().hex() not in disposition.lower()


def test_the_blind_review_page_never_names_the_bidder(portal):
    browser = portal.user("fair")
    page = browser.get(f"/reviewing/reviews/{review_id(portal.world, portal.email('fair'), 'proposal')}")
    assert page.status_code == 200
    assert "SEALPROBE-SUMMARY" in page.text  # the content is for the reviewer; the bidder's name is not
    bidder = f"杭州{portal.world['mark']}科技"
    assert bidder not in page.text and "424242" not in page.text
    assert bidder not in browser.get("/reviewing/").text


def test_a_reviewer_employed_by_the_bidder_under_another_spelling_is_excluded(portal):
    browser = portal.user("conflicted")
    review = review_id(portal.world, portal.email("conflicted"), "proposal")
    for path in (f"/reviewing/reviews/{review}", f"/reviewing/reviews/{review}/attachments/1"):
        response = browser.get(path)
        assert response.status_code in (200, 302, 403, 404), (path, response.status_code)
        assert "SEALPROBE-SUMMARY" not in response.text and "%PDF" not in response.text, path
    declared = browser.post(f"/reviewing/reviews/{review}/declare",
                            data={"conflict": "no", "csrf_token": browser.token("/reviewing/")})
    assert declared.status_code in (302, 403, 404, 409)
    assert browser.get(f"/reviewing/reviews/{review}/attachments/1").status_code in (302, 403, 404)
    # The rival's proposal is not the employer's: that one stays open to it.
    other = review_id(portal.world, portal.email("conflicted"), "rival_proposal")
    assert browser.get(f"/reviewing/reviews/{other}").status_code == 200


def test_a_reviewer_recuses_itself_after_declaring_and_the_department_sees_why(portal):
    email = portal.world["fair"][1]
    browser, response = portal.password_step(email)
    assert response.status_code == 302
    review = review_id(portal.world, email, "rival_proposal")
    declared = browser.post(f"/reviewing/reviews/{review}/declare",
                            data={"conflict": "no", "csrf_token": browser.token(f"/reviewing/reviews/{review}")})
    assert declared.status_code == 302 and declared.headers["Location"].endswith(f"/reviewing/reviews/{review}")
    reason = "近三年曾与该单位合作研发项目"
    recused = browser.submit(f"/reviewing/reviews/{review}/recuse", {"reason": reason})
    assert recused.status_code == 302
    assert browser.get(f"/reviewing/reviews/{review}").status_code in (302, 403, 404)
    setup = portal.user("dept").get(f"/manage/scenarios/{portal.world['closed']['scenario']}/review")
    assert setup.status_code == 200 and reason in setup.text


def test_recusal_is_refused_once_the_scores_are_submitted(portal):
    browser = portal.user("fair")
    review = review_id(portal.world, portal.email("fair"), "proposal")
    scores = {"score_0": "35", "score_1": "25", "score_2": "15", "score_3": "8", "opinion": "可行",
              "submit": "提交评分"}
    submitted = browser.submit(f"/reviewing/reviews/{review}", scores)
    assert submitted.status_code == 302, submitted.status_code
    refused = browser.post(f"/reviewing/reviews/{review}/recuse",
                           data={"reason": "事后回避", "csrf_token": browser.token(f"/reviewing/reviews/{review}")})
    assert refused.status_code in (200, 409) and "评分已提交" in refused.text
    setup = portal.user("dept").get(f"/manage/scenarios/{portal.world['closed']['scenario']}/review")
    assert "事后回避" not in setup.text

"""Sealed bids, seen from outside: before the deadline (and for good once cancelled before it) no one but the
bidder reads a bid's content, file names or the bidder's name, through any page, export, feed, API, search,
dashboard, notification, the audit log or a guessed id."""

import io
import re
import zipfile

import pytest

from tests.blackbox.client import csrf_token

ROLES = ["anonymous", "rival", "dept", "other_dept", "conflicted", "fair0", "admin"]


def body_text(response) -> str:
    data = response.content
    if data.startswith(b"PK"):  # XLSX: look inside every part
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = b"".join(archive.read(name) for name in archive.namelist())
    return data.decode("utf-8", errors="replace")


def browser_for(portal, role):
    if role == "anonymous":
        return portal.browser()
    if role == "fair0":
        return portal.user("fair")
    return portal.user(role)


def urls(world):
    o, c = world["open"], world["cancelled"]
    pages = ["/", "/scenarios", "/scenarios?q=探针", "/batches", f"/batches/{world['batch']}",
             "/search?q=开放方案", "/search?q=方案摘要", "/search?q=TITLE", "/search?q=探针开放场景",
             "/api/v1/scenarios?q=方案摘要", "/scenarios?q=开放方案",
             "/api/v1/scenarios", "/api/v1/results", "/api/v1/batches", "/results", "/results.csv", "/results.xlsx",
             "/feeds/scenarios.atom", "/feeds/deadlines.ics", "/scenarios.csv", "/scenarios.xlsx", "/dashboard",
             "/manage/", "/manage/dashboard", f"/manage/batches/{world['batch']}", "/admin/dashboard", "/admin/audit",
             "/notifications/", "/reviewing/", "/verify"]
    for scenario in (o["scenario"], c["scenario"]):
        pages += [f"/scenarios/{scenario}", f"/api/v1/scenarios/{scenario}", f"/scenarios/{scenario}/announcement",
                  f"/manage/scenarios/{scenario}/preview", f"/manage/scenarios/{scenario}/proposals",
                  f"/manage/scenarios/{scenario}/review", f"/manage/scenarios/{scenario}/ranking",
                  f"/manage/scenarios/{scenario}/ranking/ranking.csv",
                  f"/manage/scenarios/{scenario}/ranking/scores.xlsx"]
    for proposal in (o["proposal"], c["proposal"]):
        pages += [f"/proposals/{proposal}", f"/proposals/{proposal}/versions/1", f"/manage/proposals/{proposal}",
                  f"/proposals/{proposal}/withdraw"]
    pages += [f"/attachments/{a}" for a in o["attachments"] + c["attachments"]]
    pages += [f"/receipts/{o['receipt']}", f"/verify?receipt={o['receipt']}&digest={o['digest']}"]
    return pages


def sealed_markers(world, path):
    # Enterprise names are public in admin lists; what is sealed is that this enterprise bid, and what it sent.
    markers = [world["mark_ascii"], "88.5"]
    if not path.startswith("/admin/audit"):
        markers.append(world["mark"])
    return markers


@pytest.mark.parametrize("role", ROLES)
def test_no_channel_shows_a_sealed_bid_to_anyone_but_its_bidder(portal, role):
    browser = browser_for(portal, role)
    leaks, errors = [], []
    for path in urls(portal.world):
        response = browser.get(path)
        if response.status_code >= 500:
            errors.append((path, response.status_code))
            continue
        text = body_text(response)
        found = [m for m in sealed_markers(portal.world, path) if m in text]
        if found:
            leaks.append((path, response.status_code, found))
    assert not errors, errors
    assert not leaks, leaks


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_guessed_ids_of_bids_files_and_reviews_answer_without_data(portal, role):
    browser = browser_for(portal, role)
    world = portal.world
    sealed = [world["open"], world["cancelled"], world["to_cancel"]]
    paths = [f"/proposals/{s['proposal']}" for s in sealed] + [f"/attachments/{a}" for s in sealed
                                                                  for a in s["attachments"]]
    paths += [f"/proposals/{s['proposal']}/versions/{n}" for s in sealed for n in (0, 1, 2)]
    paths += ["/proposals/900", "/attachments/900", "/manage/proposals/900"]
    paths += [f"/manage/proposals/{n}" for n in (world["open"]["proposal"], world["cancelled"]["proposal"])]
    paths += [f"/reviewing/reviews/{r['id']}/attachments/{k}" for r in world["closed"]["reviews"] for k in (0, 1)
              if r["reviewer"] != portal.email("fair")] + ["/reviewing/reviews/999/attachments/0"]
    paths += [f"/reviewing/reviews/{r['id']}{tail}" for r in world["closed"]["reviews"] for tail in ("", "/recuse")
              if r["reviewer"] != portal.email("fair" if role == "fair0" else role)]
    paths += ["/receipts/JB-2026-000002", "/receipts/JB-2026-999999", "/objections/1/attachment"]
    for path in paths:
        response = browser.get(path)
        assert response.status_code in (302, 403, 404), (path, response.status_code)
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/"), (path, response.headers["Location"])
        assert world["mark_ascii"] not in body_text(response), path


def test_the_bidder_reads_its_own_bids_even_in_a_scenario_cancelled_before_its_deadline(portal):
    browser = portal.user("bidder")
    for key in ("open", "cancelled"):
        assert browser.get(f"/proposals/{portal.world[key]['proposal']}").status_code == 200
        page = browser.get(f"/proposals/{portal.world[key]['proposal']}/versions/1")
        assert page.status_code == 200 and portal.world["mark_ascii"] in page.text, key
        attachment = browser.get(f"/attachments/{portal.world[key]['attachments'][0]}")
        assert attachment.status_code == 200 and attachment.content.startswith(b"%PDF"), key


def test_the_department_of_an_open_scenario_sees_a_count_and_no_bidder(portal):
    page = portal.user("dept").get(f"/manage/scenarios/{portal.world['open']['scenario']}/proposals")
    assert page.status_code in (200, 403, 404)
    assert portal.world["mark"] not in page.text and portal.world["mark_ascii"] not in page.text


@pytest.mark.parametrize("query", ["", "?action=proposal.submit", "?object_type=proposal", "?action=proposal.draft",
                                   "?page=2", "?page=3", "?actor=bidder", "?object_type=attachment"])
def test_the_audit_log_keeps_sealed_records_sealed(portal, query):
    page = portal.user("admin").get("/admin/audit" + query.replace("bidder", portal.email("bidder")))
    assert page.status_code == 200
    assert portal.world["mark_ascii"] not in page.text and "88.5" not in page.text
    if query.startswith("?action=proposal.submit"):
        assert "密封中" in page.text


def test_foreign_hands_cannot_withdraw_or_strip_a_bid(portal):
    proposal, attachment = portal.world["open"]["proposal"], portal.world["open"]["attachments"][0]
    for role in ("rival", "dept", "conflicted"):
        browser = portal.user(role)
        token = browser.token("/notifications/")
        for path in (f"/proposals/{proposal}/withdraw", f"/proposals/{proposal}/attachments/{attachment}/remove"):
            assert browser.post(path, data={"csrf_token": token}).status_code in (403, 404), (role, path)
    page = portal.user("bidder").get(f"/proposals/{proposal}/versions/1")
    assert portal.world["mark_ascii"] in page.text
    assert portal.user("bidder").get(f"/attachments/{attachment}").status_code == 200


def test_a_department_cancelling_before_the_deadline_opens_nothing_then_or_after_the_deadline(portal):
    world, dept = portal.world, portal.user("dept")
    scenario = world["to_cancel"]["scenario"]
    other = portal.user("other_dept")
    assert other.submit(f"/manage/scenarios/{scenario}/cancel", {"reason": "越权撤销"},
                        form_page=f"/manage/scenarios/{world['open']['scenario']}/preview").status_code in (403, 404)
    cancelled = dept.submit(f"/manage/scenarios/{scenario}/cancel", {"reason": "需求调整，另行发布"})
    assert cancelled.status_code == 302, cancelled.status_code
    proposal, attachment = world["to_cancel"]["proposal"], world["to_cancel"]["attachments"][0]
    paths = [f"/manage/scenarios/{scenario}/proposals", f"/manage/proposals/{proposal}", f"/attachments/{attachment}",
             f"/manage/scenarios/{scenario}/ranking", f"/manage/scenarios/{scenario}/ranking/ranking.csv",
             f"/manage/scenarios/{scenario}/review", f"/scenarios/{scenario}", f"/api/v1/scenarios/{scenario}",
             "/manage/dashboard", "/notifications/", "/dashboard", "/admin/dashboard", "/admin/audit"]
    saved = portal.live._offset
    try:
        for moment in ("before the deadline", "after the deadline"):
            for role in ("dept", "admin", "rival", "anonymous"):
                browser = portal.browser() if role == "anonymous" else portal.user(role)
                for path in paths:
                    response = browser.get(path)
                    assert response.status_code < 500, (moment, role, path)
                    text = body_text(response)
                    assert world["mark_ascii"] not in text, (moment, role, path)
                    assert world["mark"] not in text or path == "/admin/audit", (moment, role, path)
            portal.live.travel(2 * 24 * 3600)
        bidder = portal.user("bidder")
        assert world["mark_ascii"] in bidder.get(f"/proposals/{proposal}/versions/1").text
        withdrawn = bidder.submit(f"/proposals/{proposal}/withdraw", {}, form_page=f"/proposals/{proposal}")
        assert withdrawn.status_code == 302
    finally:
        portal.live.set_clock_offset(saved)


def test_nobody_marks_another_persons_notifications(portal):
    rival = portal.user("rival")
    inbox = rival.get("/notifications/")
    own = {int(n) for n in re.findall(r"/notifications/(\d+)/read", inbox.text)}
    token = csrf_token(inbox.text) or rival.token("/account/follows")
    answers = {n: rival.post(f"/notifications/{n}/read", data={"csrf_token": token}).status_code
               for n in range(1, 41) if n not in own}
    assert all(code in (403, 404) for code in answers.values()), answers


@pytest.mark.parametrize("key", ["open", "cancelled"])
def test_a_sealed_scenario_cannot_be_put_to_review(portal, key):
    dept, world = portal.user("dept"), portal.world
    scenario = world[key]["scenario"]
    token = dept.token("/manage/")
    assigned = dept.post(f"/manage/scenarios/{scenario}/review/assign",
                         data={"csrf_token": token, "reviewers": ["2", "3", "4", "5"],
                               "proposal_id": str(world[key]["proposal"]), "assign": "指派"})
    setup = dept.post(f"/manage/scenarios/{scenario}/review/setup",
                      data={"csrf_token": token, "blind": "y", "criteria-0-name": "技术", "criteria-0-weight": "100"})
    for response in (assigned, setup):
        assert response.status_code in (302, 400, 403, 404, 409), response.status_code
        assert world["mark_ascii"] not in response.text and world["mark"] not in response.text
    for email in [portal.email("fair"), portal.email("conflicted")]:
        browser = portal.user("fair" if email == portal.email("fair") else "conflicted")
        assert world["mark_ascii"] not in browser.get("/reviewing/").text, email

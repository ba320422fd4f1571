"""Accounts, seen from outside: local redirects only, no account enumeration, sign-out that holds server-side,
and a second factor that cannot be skipped, replayed or guessed."""

import re
import time
from urllib.parse import urljoin, urlsplit

import pytest

from portal.util.uscc import make_uscc

HOSTILE_NEXT = ["//evil.example", "https://evil.example/x", "/\\evil.example", "\\\\evil.example", "/\\/evil.example",
                "\t//evil.example", "%09//evil.example", "/%09/evil.example", "https:evil.example", "///evil.example",
                "\r\n//evil.example", "/%0d%0aSet-Cookie:%20x=1", "\u2215\u2215evil.example", "／／evil.example",
                "javascript:alert(1)", "http://127.0.0.1.evil.example/", "/\x00//evil.example", " //evil.example",
                "/.//evil.example", "\x0b//evil.example", "/%5cevil.example", "data:text/html,x"]


def assert_local(response):
    """The Location a browser would follow stays on this origin (WHATWG: tabs and newlines are dropped,
    a backslash is a slash, leading spaces and control characters are trimmed)."""
    assert response.status_code in (301, 302, 303), response.status_code
    location = response.headers["Location"]
    as_browser = re.sub(r"[\t\n\r]", "", location).replace("\\", "/").lstrip("".join(map(chr, range(33))))
    assert as_browser.startswith("/") and not as_browser.startswith("//"), location
    assert urlsplit(urljoin("https://portal.example/", as_browser)).netloc == "portal.example", location


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
def test_language_switch_redirects_only_within_the_portal(portal, hostile):
    browser = portal.browser()
    assert_local(browser.get("/lang/en", params={"next": hostile}))
    assert_local(browser.get("/lang/zh_CN?next=" + hostile))


@pytest.mark.parametrize("hostile", HOSTILE_NEXT[::3])
def test_signing_in_redirects_only_within_the_portal(portal, hostile):
    browser, response = portal.password_step(portal.email("rival"), next_url=hostile)
    assert_local(response)
    assert_local(browser.get("/login", params={"next": hostile}))  # already signed in: sent on


def test_the_second_step_keeps_the_next_page_local(portal):
    browser, response = portal.password_step(portal.email("admin"), next_url="//evil.example")
    assert response.headers["Location"].startswith("/login/verify")
    assert_local(browser.submit("/login/verify", {"code": portal.fresh_totp()}))


def _normalise(html: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"|value="[^"]+"[^>]*name="csrf_token"', "", html)


def test_password_reset_answers_alike_for_known_and_unknown_addresses(portal):
    answers = []
    for email in (portal.email("rival"), f"nobody-{portal.world['tag']}@probe.example.cn"):
        browser = portal.browser()
        response = browser.submit("/password/forgot", {"email": email})
        answers.append((response.status_code, response.headers.get("Location"),
                        _normalise(browser.get(response.headers["Location"]).text
                                   if response.status_code == 302 else response.text)))
    assert answers[0] == answers[1]


def _register(portal, browser, email, n):
    data = {"org_name": f"杭州注册探针{n}科技有限公司", "uscc": make_uscc(f"91330106{n:09d}"), "district": "滨江区",
            "contact_name": "王五", "phone": "13900000000", "email": email, "password": "Register#2026",
            "confirm": "Register#2026", "privacy_consent": "y"}
    response = browser.submit("/register", data)
    return response.status_code, response.headers.get("Location")


def test_registration_answers_alike_for_a_taken_and_a_free_address(portal):
    taken = _register(portal, portal.browser(), portal.email("rival"), 515151)
    free = _register(portal, portal.browser(), f"fresh-{portal.world['tag']}@probe.example.cn", 525252)
    assert taken == free and taken[0] == 302


def test_password_reset_is_throttled_per_address_typed(portal):
    codes = []
    for _n in range(6):
        browser = portal.browser()  # a new client address each time: the typed address alone is counted
        response = browser.post("/password/forgot", data={"email": portal.email("dept"),
                                                          "csrf_token": browser.token("/password/forgot")})
        codes.append(response.status_code)
    assert 429 in codes and 500 not in codes, codes


def test_sign_in_is_throttled_across_workers(portal):
    codes = []
    for _n in range(8):
        _browser, response = portal.password_step(portal.email("throttled"), password="wrong-password-1")
        codes.append(response.status_code)
    assert codes[-1] == 429, codes
    assert portal.password_step(portal.email("throttled"))[1].status_code == 429  # also with the right one


def _copy(browser, fresh):
    for cookie in browser.cookies:
        fresh.cookies.set(cookie.name, cookie.value)
    return fresh


@pytest.mark.parametrize("remember", [False, True])
def test_a_copied_session_stops_working_after_sign_out(portal, remember):
    browser = portal.sign_in("rival", remember=remember)
    thief = _copy(browser, portal.browser())
    assert thief.get("/my/proposals").status_code == 200
    remember_only = portal.browser()
    for cookie in browser.cookies:
        if cookie.name != "session":
            remember_only.cookies.set(cookie.name, cookie.value)
    browser.submit("/logout", {}, form_page="/my/proposals")
    assert thief.get("/my/proposals").status_code == 302
    assert remember_only.get("/my/proposals").status_code == 302


def test_signing_out_everywhere_ends_every_other_session(portal):
    first, second = portal.sign_in("bidder"), portal.sign_in("bidder", remember=True)
    remembered = portal.browser()
    for cookie in second.cookies:
        if cookie.name != "session":
            remembered.cookies.set(cookie.name, cookie.value)
    assert second.get("/my/proposals").status_code == 200
    response = first.submit("/account/sessions/revoke", {}, form_page="/account")
    assert response.status_code == 302
    assert second.get("/my/proposals").status_code == 302
    assert remembered.get("/my/proposals").status_code == 302
    portal._signed_in.pop("bidder", None)


def test_a_deactivated_account_is_signed_out_at_once_and_cannot_sign_in(portal):
    victim = portal.sign_in("other_dept", remember=True)
    admin = portal.user("admin")
    user_id = portal.world["other_dept_id"]
    assert admin.submit(f"/admin/users/{user_id}/deactivate", {}, form_page="/admin/users").status_code == 302
    try:
        assert victim.get("/manage/").status_code == 302
        assert portal.password_step(portal.email("other_dept"))[1].status_code == 200
    finally:
        assert admin.submit(f"/admin/users/{user_id}/activate", {}, form_page="/admin/users").status_code == 302
    portal._signed_in.pop("other_dept", None)


STAFF_PAGES = ["/admin/", "/admin/audit", "/admin/users", "/manage/", "/account", "/account/two-factor",
               "/notifications/", "/admin/policy"]


def test_the_second_step_cannot_be_skipped(portal):
    browser, response = portal.password_step(portal.email("admin"))
    assert response.headers["Location"].startswith("/login/verify")
    for page in STAFF_PAGES:
        answer = browser.get(page)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login"), page


def test_a_totp_code_is_accepted_once(portal):
    code = portal.fresh_totp()
    first, response = portal.password_step(portal.email("admin"))
    assert first.submit("/login/verify", {"code": code}).status_code == 302
    assert first.get("/admin/audit").status_code == 200
    replay, response = portal.password_step(portal.email("admin"))
    answer = replay.submit("/login/verify", {"code": code})
    assert answer.status_code == 200 and replay.get("/admin/audit").status_code == 302


def test_guessing_second_step_codes_is_throttled_and_an_admin_reset_makes_the_owner_enrol_again(portal):
    guesser, _response = portal.password_step(portal.email("admin2"))
    codes = [guesser.submit("/login/verify", {"code": f"{n:06d}"}).status_code for n in range(7)]
    assert codes[:4] == [200] * 4 and codes[-1] == 429, codes
    admin = portal.user("admin")
    page = "/admin/users"
    assert admin.submit(f"/admin/users/{portal.world['admin2']['id']}/reset-two-factor", {},
                        form_page=page).status_code == 302
    _browser, response = portal.password_step(portal.email("admin2"))
    assert response.headers["Location"].startswith("/login/enrol"), response.headers["Location"]


def test_a_recovery_code_works_once(portal):
    code = portal.world["admin"]["recovery"][0]
    browser, _response = portal.password_step(portal.email("admin"))
    assert browser.submit("/login/verify", {"code": code}).status_code == 302
    assert browser.get("/admin/audit").status_code == 200
    again, _response = portal.password_step(portal.email("admin"))
    again.submit("/login/verify", {"code": code})
    assert again.get("/admin/audit").status_code == 302


def _mail_files(portal) -> set:
    return set((portal.live.instance_path / "outbox").glob("*.eml"))


def _reset_link(portal, email, before=frozenset(), timeout=10.0):
    """The newest reset link mailed to `email` in a file not in `before`: the portal's worker sends it after the
    response, so wait for it."""
    from email import message_from_bytes, policy

    deadline = time.monotonic() + timeout
    while True:
        for path in sorted(_mail_files(portal) - set(before), key=lambda p: p.stat().st_mtime, reverse=True):
            mail = message_from_bytes(path.read_bytes(), policy=policy.default)
            if email in mail["To"]:
                text = "".join(p.get_content() for p in mail.walk() if p.get_content_type() == "text/plain")
                found = re.search(r"https?://[^\s]+(/password/reset/[^\s]+)", text)
                if found:
                    return found.group(1)
        if time.monotonic() > deadline:
            raise AssertionError(f"no reset link mailed to {email} within {timeout:.0f} s")
        time.sleep(0.2)


def test_a_password_reset_link_works_once_and_ends_every_session(portal):
    email, new = portal.email("rival"), "Reset#Probe2026x"
    elsewhere = portal.sign_in("rival")
    browser = portal.browser()
    before = _mail_files(portal)
    browser.submit("/password/forgot", {"email": email})
    link = _reset_link(portal, email, before)
    assert browser.get(link).status_code == 302
    done = browser.submit("/password/reset", {"new": new, "confirm": new})
    assert done.status_code == 302, done.status_code
    assert elsewhere.get("/my/proposals").status_code == 302  # signed out by the reset
    again = portal.browser()
    again.get(link)
    page = again.get("/password/reset")
    assert page.status_code in (200, 302, 400, 404) and 'name="new"' not in page.text
    # The old password no longer works, the new one does; put the world's password back with it.
    assert portal.password_step(email)[1].status_code == 200
    signed, response = portal.password_step(email, password=new)
    assert response.status_code == 302
    changed = signed.submit("/account/password", {"current": new, "new": portal.world["password"],
                                                  "confirm": portal.world["password"]})
    assert changed.status_code == 302
    portal._signed_in.pop("rival", None)

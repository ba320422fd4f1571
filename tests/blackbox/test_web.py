"""The web layer, seen from outside: every POST needs its CSRF token, every answer carries the security headers,
cookies are HttpOnly, Secure and SameSite, and the session changes at sign-in."""

import pytest

POSTS = ["/login", "/register", "/password/forgot", "/password/reset", "/logout", "/account/password",
         "/account/sessions/revoke", "/account/two-factor/disable", "/account/two-factor/recovery-codes",
         "/login/verify", "/login/enrol", "/admin/users/new", "/admin/policy", "/admin/two-factor",
         "/admin/users/2/deactivate", "/admin/users/2/activate", "/admin/users/2/reset-two-factor",
         "/admin/enterprises/4/verify", "/admin/enterprises/4/reject", "/admin/catalogue/index/rebuild",
         "/admin/catalogue/synonyms", "/manage/batches/new", "/manage/batches/1/publish", "/manage/batches/1/edit",
         "/manage/scenarios/1/publish", "/manage/scenarios/1/cancel", "/manage/scenarios/1/edit",
         "/manage/scenarios/3/review/assign", "/manage/scenarios/3/review/setup", "/manage/scenarios/3/decide",
         "/scenarios/1/proposal", "/proposals/1/withdraw", "/proposals/1/attachments/1/remove",
         "/scenarios/3/objections", "/notifications/read-all", "/notifications/1/read", "/follows",
         "/reviewing/reviews/1/declare", "/reviewing/reviews/1/recuse", "/reviewing/reviews/3",
         "/reviewing/profile/employer", "/reviewing/profile/entries", "/reviewing/profile/entries/1/delete",
         "/review/products/1/approve", "/my/products/new"]
ROLE_OF = {"/admin": "admin", "/manage": "dept", "/scenarios/": "bidder", "/proposals": "bidder",
           "/reviewing": "conflicted", "/review/": "dept", "/my/": "bidder"}


def role_for(path):
    return next((role for prefix, role in ROLE_OF.items() if path.startswith(prefix)), "rival")


@pytest.mark.parametrize("path", POSTS)
def test_every_post_without_its_csrf_token_is_refused_and_changes_nothing(portal, path):
    browser = portal.user(role_for(path))
    response = browser.post(path, data={"email": portal.email("rival"), "password": "x", "reason": "x"})
    assert response.status_code in (400, 404, 405), (path, response.status_code)
    assert response.status_code != 302


def test_a_token_from_another_session_is_refused(portal):
    stranger = portal.browser()
    token = stranger.token("/login")
    victim = portal.sign_in("rival")
    response = victim.post("/logout", data={"csrf_token": token})
    assert response.status_code == 400
    assert victim.get("/my/proposals").status_code == 200


HEADERS = {"Content-Security-Policy": "frame-ancestors 'none'", "X-Content-Type-Options": "nosniff",
           "X-Frame-Options": "DENY", "Referrer-Policy": "strict-origin-when-cross-origin"}


@pytest.mark.parametrize("path", ["/", "/login", "/scenarios", "/api/v1/scenarios", "/feeds/scenarios.atom",
                                  "/scenarios.csv", "/does-not-exist", "/proposals/1", "/static/css/portal.css"])
def test_every_answer_carries_the_security_headers(portal, path):
    response = portal.browser().get(path)
    for name, expected in HEADERS.items():
        assert expected in response.headers.get(name, ""), (path, name)
    assert "max-age=" in response.headers.get("Strict-Transport-Security", ""), path  # over HTTPS (the proxy)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]


def test_cookies_are_httponly_secure_and_same_site_and_rotate_at_sign_in(portal):
    browser = portal.browser()
    first = browser.get("/login")
    before = browser.cookies.get("session")
    _browser, response = portal.password_step(portal.email("rival"), remember=True, browser=browser)
    cookies = response.raw.headers.getlist("Set-Cookie") + first.raw.headers.getlist("Set-Cookie")
    assert cookies
    for cookie in cookies:
        flags = cookie.lower()
        assert "httponly" in flags and "secure" in flags and "samesite=lax" in flags, cookie
    assert browser.cookies.get("session") != before
    assert any(c.lower().startswith("remember_token=") for c in cookies)


def test_server_errors_are_not_shown_to_visitors(portal):
    response = portal.browser().get("/api/v1/scenarios", params={"page": "\x00"})
    assert response.status_code in (200, 400)
    assert "Traceback" not in response.text and "sqlalchemy" not in response.text.lower()


@pytest.mark.parametrize("path", ["/feeds/scenarios.atom", "/api/v1/scenarios", "/", "/password/forgot"])
@pytest.mark.parametrize("header", ["Host", "X-Forwarded-Host"])
def test_a_forged_host_never_reaches_the_links_the_portal_writes(portal, path, header):
    response = portal.browser().get(path, headers={header: "evil.example"})
    assert response.status_code == 400
    assert "evil.example" not in response.text

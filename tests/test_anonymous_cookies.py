"""Anonymous visitors get no session cookie from reading the portal.

A page that sets a cookie is not kept by the page cache (portal/web/page_cache.py), and a visitor holding a
session cookie is never answered from it again: one such page turns a reader into an uncached visitor for the
rest of the visit. Every GET route an anonymous visitor may open (the access matrix's rows) is walked with
CSRF protection on, as in production, and must answer without Set-Cookie — but for the few below that keep
something in the session on purpose.
"""

import re

from tests.access import OK, collect

MATRIX, _BUILDERS = collect()

# Pages that need the session for an anonymous visitor, and why.
NEEDS_THE_SESSION = {
    # Forms an anonymous visitor fills in and posts: the CSRF token in the form is checked against the session.
    "accounts.login": "the sign-in form's CSRF token",
    "accounts.register": "the registration form's CSRF token",
    "accounts.forgot_password": "the reset request form's CSRF token",
    # The reset link's token is moved from the address into the session before the form is shown.
    "accounts.open_reset_link": "the reset token, kept out of the address bar and the Referer",
    "accounts.reset_password": "without a reset token: a flash message on the way to the request form",
    "main.set_language": "the language chosen",
}


def _anonymous_pages():
    # /readyz answers 503 in the matrix's world (no search index yet): walked all the same.
    return sorted(endpoint for endpoint, (method, _args, expected) in MATRIX.items()
                  if method == "GET" and expected["anonymous"] in (OK, 503))


def test_every_exception_is_an_anonymous_page():
    assert set(NEEDS_THE_SESSION) <= set(_anonymous_pages())


def test_anonymous_pages_set_no_cookie(app, world):
    app.config["WTF_CSRF_ENABLED"] = True
    walked, cookies = [], {}
    for endpoint in _anonymous_pages():
        _method, args, _expected = MATRIX[endpoint]
        url = world.url_for(endpoint, args)
        response = app.test_client().get(url)  # a fresh client: no cookie from an earlier page
        response.close()
        walked.append(endpoint)
        set_cookie = response.headers.getlist("Set-Cookie")
        if set_cookie and endpoint not in NEEDS_THE_SESSION:
            cookies[f"{endpoint} {url}"] = set_cookie
    assert {"catalogue.show_product", "announcements.show_announcement", "main.home", "main.healthz",
            "main.readyz"} <= set(walked)
    assert cookies == {}


def test_the_forms_anonymous_visitors_post_still_carry_a_token(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.get("/login")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', response.data)
    assert token and len(token.group(1)) > 20, "the token is made when the form is rendered"
    assert "session=" in response.headers["Set-Cookie"]
    refused = client.post("/login", data={"email": "nobody@example.com", "password": "x"})
    assert refused.status_code == 400  # no token: CSRF protection is on
    answered = client.post("/login", data={"csrf_token": token.group(1).decode(), "email": "nobody@example.com",
                                           "password": "wrong-password"})
    assert answered.status_code == 200 and b"CSRF" not in answered.data  # checked, then the password refused

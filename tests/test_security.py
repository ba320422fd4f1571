"""Protections every page has: CSRF on every form, security headers, no traceback on errors."""

import io

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.scenarios.models import Batch
from tests.factories import start_test_session
from tests.test_access_matrix import MATRIX


@pytest.mark.parametrize("endpoint", sorted(e for e, (method, _a, _o) in MATRIX.items() if method == "POST"))
def test_every_post_route_refuses_a_request_without_csrf_token(csrf_app, client, login_as, world, endpoint):
    url = world.url_for(endpoint, MATRIX[endpoint][1])
    login_as(world.users["admin" if endpoint.startswith("admin") else "department"])
    before = csrf_app.extensions["sqlalchemy"].session.scalar(select(func.count()).select_from(AuditRecord))
    response = client.post(url)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    after = csrf_app.extensions["sqlalchemy"].session.scalar(select(func.count()).select_from(AuditRecord))
    assert after == before, "a refused request must change nothing"


@pytest.mark.parametrize("path", ["/register", "/login", "/password/forgot"])
def test_forms_without_token_are_refused_and_with_token_accepted(csrf_app, client, path):
    assert client.post(path, data={"email": "a@b.cn", "password": "x"}).status_code == 400
    page = client.get(path).get_data(as_text=True)
    assert 'name="csrf_token"' in page


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_only_over_https(client):
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_have_no_inline_script(client, create_scenario):
    scenario = create_scenario(state="published")
    for path in ["/", "/scenarios", "/batches", f"/scenarios/{scenario.id}", "/register", "/login",
                 "/password/forgot"]:
        response = client.get(path)
        assert response.status_code == 200, path  # an error page would pass without showing the page
        html = response.get_data(as_text=True)
        assert "<script>" not in html and " onclick=" not in html and "javascript:" not in html, path


def test_session_cookie_is_httponly_and_lax(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_unexpected_errors_show_a_chinese_page_without_traceback(app, client, monkeypatch):
    from portal.scenarios import queries

    def explode(*args, **kwargs):
        raise RuntimeError("SELECT secret FROM users")

    monkeypatch.setattr(queries, "published_batches", explode)
    response = client.get("/batches")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "服务器出现问题" in body
    assert "Traceback" not in body and "SELECT secret" not in body


def test_logged_in_pages_are_not_cached(client, login_as, create_user):
    login_as(create_user(Role.ENTERPRISE))
    assert client.get("/account").headers["Cache-Control"] == "no-store"


# --- Security headers on every response ---------------------------------------------------------------

def assert_protected(response, what):
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, what
    if "default-src 'none'" not in csp:  # downloads carry a stricter policy still: nothing may load at all
        assert "default-src 'self'" in csp and "script-src 'self'" in csp, what
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, what
    assert headers.get("X-Frame-Options") == "DENY", what
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", what


def browser_of(app, user):
    browser = app.test_client()
    if user is not None:
        with browser.session_transaction() as session:
            session["_user_id"] = start_test_session(user)
            session["_fresh"] = True
    return browser


def test_every_page_for_every_kind_of_visitor_carries_the_security_headers(app, world):
    statuses = set()
    for role in ("anonymous", "enterprise", "department", "admin"):
        browser = browser_of(app, world.users[role])
        for endpoint, (method, args, _outcomes) in sorted(MATRIX.items()):
            if method != "GET":
                continue
            url = world.url_for(endpoint, args)
            response = browser.get(url)
            response.close()
            assert_protected(response, f"{url} as {role}")
            assert "Strict-Transport-Security" not in response.headers, url
            statuses.add(response.status_code)
    assert {200, 302, 403} <= statuses  # pages, redirects and refusals were all looked at


def test_files_and_error_answers_carry_the_security_headers_too(app, client, create_user, monkeypatch):
    from portal.scenarios import queries

    answers = {
        "static file": client.get("/static/css/portal.css"),
        "missing page": client.get("/no-such-page"),
        "wrong method": client.get("/logout"),
        "feed": client.get("/feeds/scenarios.atom"),
    }
    app.config["WTF_CSRF_ENABLED"] = True
    answers["csrf refusal"] = client.post("/login", data={"email": "a@b.cn", "password": "x"})
    app.config["WTF_CSRF_ENABLED"] = False
    for _ in range(5):
        client.post("/login", data={"email": "a@b.cn", "password": "Wrong#pass2025"})
    answers["throttled"] = client.post("/login", data={"email": "a@b.cn", "password": "Wrong#pass2025"})
    monkeypatch.setattr(queries, "published_batches", lambda *a, **k: 1 / 0)
    answers["server error"] = client.get("/batches")

    assert [answers[k].status_code for k in ("static file", "feed", "missing page", "wrong method", "csrf refusal",
                                             "throttled", "server error")] == [200, 200, 404, 405, 400, 429, 500]
    for what, response in answers.items():
        response.close()
        assert_protected(response, what)


@pytest.mark.parametrize("path", ["/", "/login", "/static/css/portal.css", "/no-such-page", "/account"])
def test_hsts_is_sent_over_https_only(client, path):
    secure = client.get(path, base_url="https://localhost")
    plain = client.get(path)
    secure.close()
    plain.close()

    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in plain.headers


# --- Cookies --------------------------------------------------------------------------------------------

EMAIL = "fangyu@example.cn"


def cookies_set(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def sign_in_remembered(client, **kwargs):
    from tests.factories import PASSWORD

    return client.post("/login", data={"email": EMAIL, "password": PASSWORD, "remember": "y"}, **kwargs)


def test_cookies_are_httponly_and_lax_and_not_secure_over_plain_http(client, create_user):
    create_user(email=EMAIL)

    cookies = cookies_set(sign_in_remembered(client))

    assert set(cookies) == {"session", "remember_token"}
    for name, header in cookies.items():
        assert "HttpOnly" in header and "SameSite=Lax" in header, name
        assert "Secure" not in header, name  # a plain-HTTP browser would drop a Secure cookie and never sign in


def test_over_https_every_cookie_is_secure(client, create_user):
    create_user(email=EMAIL)

    signed_in = cookies_set(sign_in_remembered(client, base_url="https://localhost"))
    signed_out = cookies_set(client.post("/logout", base_url="https://localhost"))

    assert set(signed_in) == {"session", "remember_token"} and signed_out
    for name, header in signed_in.items():
        assert "; Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header, name
    for name, header in signed_out.items():
        assert "; Secure" in header, f"{name} (deleted)"


# --- Behind a reverse proxy -------------------------------------------------------------------------------

@pytest.fixture
def proxied_app(app, database_url, tmp_path):
    """The portal as deployed behind one trusted reverse proxy (PORTAL_TRUSTED_PROXIES=1), on the same database."""
    from portal import create_app

    proxied = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": database_url,
                          "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost",
                          "TRUSTED_PROXIES": 1})
    yield proxied
    with proxied.app_context():
        proxied.extensions["sqlalchemy"].engine.dispose()


HTTPS_PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}


@pytest.mark.real_commits  # the proxied app has an engine of its own
def test_behind_a_trusted_proxy_https_gives_secure_cookies_and_hsts(proxied_app, create_user):
    create_user(email=EMAIL)
    browser = proxied_app.test_client()

    response = sign_in_remembered(browser, headers=HTTPS_PROXY)

    assert response.status_code == 302
    assert "Strict-Transport-Security" in response.headers
    for name, header in cookies_set(response).items():
        assert "; Secure" in header, name
    record = proxied_app.extensions["sqlalchemy"].session.scalars(
        select(AuditRecord).where(AuditRecord.action == "login")).one()
    assert record.ip == "203.0.113.9"  # the client's address, not the proxy's


def test_forwarded_headers_from_a_client_without_a_trusted_proxy_are_ignored(client, create_user):
    create_user(email=EMAIL)

    response = sign_in_remembered(client, headers=HTTPS_PROXY)

    assert "Strict-Transport-Security" not in response.headers
    assert all("Secure" not in header for header in cookies_set(response).values())


@pytest.mark.real_commits  # the proxied app has an engine of its own
def test_behind_a_trusted_proxy_each_client_address_has_its_own_count(proxied_app, create_user):
    from tests.factories import PASSWORD

    create_user(email=EMAIL)
    proxied_app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    browser = proxied_app.test_client()
    for n in range(3):
        browser.post("/login", data={"email": f"guess{n}@example.cn", "password": "x"},
                     headers={"X-Forwarded-For": "198.51.100.1"})

    blocked = browser.post("/login", data={"email": EMAIL, "password": PASSWORD},
                           headers={"X-Forwarded-For": "198.51.100.1"})
    neighbour = browser.post("/login", data={"email": EMAIL, "password": PASSWORD},
                             headers={"X-Forwarded-For": "198.51.100.2"})

    assert blocked.status_code == 429
    assert neighbour.status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_count(app, client):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    for n in range(3):
        client.post("/login", data={"email": f"guess{n}@example.cn", "password": "x"},
                    headers={"X-Forwarded-For": f"198.51.100.{n}"})

    response = client.post("/login", data={"email": "guess9@example.cn", "password": "x"},
                           headers={"X-Forwarded-For": "198.51.100.99"})

    assert response.status_code == 429


# --- Error pages ------------------------------------------------------------------------------------------

def test_a_database_error_shows_neither_traceback_nor_sql(client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from portal.scenarios import queries

    def broken(*args, **kwargs):
        raise OperationalError("SELECT password_hash FROM users WHERE id = 1", {}, Exception("disk I/O error"))

    monkeypatch.setattr(queries, "published_batches", broken)
    response = client.get("/batches")

    assert response.status_code == 500
    assert "服务器出现问题" in response.text
    for leak in ("Traceback", "SELECT", "password_hash", "OperationalError", "disk I/O", "sqlalchemy"):
        assert leak not in response.text, leak


@pytest.mark.parametrize(("path", "method", "status", "words"), [
    ("/no-such-page", "GET", 404, "您访问的页面不存在"),
    ("/logout", "GET", 405, "不支持该请求方式"),
    ("/scenarios/99999999999999999999", "GET", 404, "您访问的页面不存在"),
])
def test_http_errors_are_chinese_pages(client, path, method, status, words):
    response = client.open(path, method=method)

    assert response.status_code == status
    assert words in response.text and "Traceback" not in response.text


@pytest.fixture
def production_app(monkeypatch, tmp_path):
    from portal import create_app

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "p" * 64)
    monkeypatch.setenv("AUDIT_KEY", "q" * 64)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    production = create_app({"INSTANCE_PATH": str(tmp_path),
                             "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'production.sqlite'}"})
    yield production
    with production.app_context():
        production.extensions["sqlalchemy"].engine.dispose()


def test_in_production_a_crash_is_a_plain_500_page(production_app, monkeypatch):
    from portal.scenarios import queries

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(queries, "published_batches", broken)
    assert not production_app.debug and not production_app.testing
    browser = production_app.test_client()

    response = browser.get("/batches")
    console = browser.get("/console")

    assert response.status_code == 500
    assert "服务器出现问题" in response.text
    assert "Traceback" not in response.text and "secret detail" not in response.text
    assert "__debugger__" not in response.text
    assert console.status_code == 404


@pytest.mark.parametrize("path", ["/admin/audit?action=%00", "/admin/audit?action=a%00b&page=1", "/scenarios?q=%00",
                                  "/products?q=%E7%BA%A2%00", "/search?q=%00&year=%00"])
def test_a_nul_in_a_query_string_is_dropped_not_sent_to_the_database(client, login_as, create_user, path):
    login_as(create_user(Role.ADMIN))

    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/receipts/JB-2026-%00", "/password/reset/a%00b", "/lang/e%00n"])
def test_a_nul_in_the_path_is_not_found(client, login_as, create_user, path):
    login_as(create_user(Role.ENTERPRISE))

    assert client.get(path).status_code == 404


def test_a_nul_in_a_form_field_is_dropped_not_sent_to_the_database(client, db, login_as, create_user):
    login_as(create_user(Role.GOVERNMENT))

    response = client.post("/manage/batches/new", data={"title": "2026年第\x00一批", "summary": ""})

    assert response.status_code == 302
    assert db.session.scalar(select(Batch.title)) == "2026年第一批"


def test_a_multipart_field_with_an_unreadable_name_is_ignored(client, db, login_as, create_user):
    """A part named with a bare newline reaches the form without a name; the rest of the form still counts."""
    login_as(create_user(Role.GOVERNMENT))

    response = client.post("/manage/batches/new", content_type="multipart/form-data",
                           data={"\n": "", "title": "2026年第二批", "summary": "", "attachment": (io.BytesIO(b""), "")})

    assert response.status_code == 302
    assert db.session.scalar(select(Batch.title)) == "2026年第二批"

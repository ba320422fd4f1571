"""Protections every page has: CSRF on every form, security headers, no traceback on errors."""

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.audit import AuditRecord
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


@pytest.mark.parametrize("path", ["/register", "/login"])
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
    create_scenario(state="published")
    for path in ["/", "/scenarios", "/batches", "/scenarios/1", "/register", "/login"]:
        html = client.get(path).get_data(as_text=True)
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

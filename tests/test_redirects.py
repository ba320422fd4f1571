"""Every `next` and back-link stays inside the portal, whatever is hidden in it."""

import pytest

from portal.accounts.models import Role
from portal.util.redirects import back_to_referrer, safe_next
from tests.factories import PASSWORD

HOSTILE = [
    "//evil.example/login", "/\t/evil.example/login", "/\n/evil.example",
    "/\r/evil.example", "/\\evil.example", "/\\/evil.example", "\\\\evil.example", "https://evil.example/",
    "http:/evil.example", "javascript:alert(1)", " /scenarios", "/ /evil.example", "/\x0b/evil.example",
    "/\x00", "/\u3000/evil.example", "/\u2028x", "evil.example", "/" + "a" * 3000, "//", "/\x85x",
]
LOCAL = ["/", "/scenarios?sector=digital_security&page=2", "/proposals/7#top", "/search?q=%E7%BA%A2%E5%A4%96"]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_are_refused(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", LOCAL)
def test_local_paths_pass_unchanged(target):
    assert safe_next(target) == target


def test_a_referrer_from_another_site_is_not_followed():
    assert back_to_referrer("https://evil.example/x", "http://localhost/") is None
    assert back_to_referrer("http://localhost.evil.example/x", "http://localhost/") is None
    assert back_to_referrer("http://localhost//evil.example/x", "http://localhost/") is None
    back = back_to_referrer("http://localhost/admin/enterprises?page=2", "http://localhost/")
    assert back == "/admin/enterprises?page=2"


@pytest.mark.parametrize("target", HOSTILE + ["/%0d%0aSet-Cookie:x=1"])
def test_language_switch_never_leaves_the_site(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//") and "evil" not in location
    assert "\r" not in location and "\n" not in location


def test_language_switch_returns_to_a_local_page(client):
    response = client.get("/lang/en", query_string={"next": "/scenarios?page=2"})
    assert response.headers["Location"] == "/scenarios?page=2"


@pytest.mark.parametrize("target", ["/\t/evil.example/login", "/\r\nX: y", "//evil.example"])
def test_login_never_leaves_the_site(client, create_user, target):
    user = create_user(Role.ENTERPRISE)
    response = client.post("/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

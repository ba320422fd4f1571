"""An outsider's HTTP client for the served portal: a browser-like cookie jar behind a TLS-terminating proxy."""

import itertools
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pyotp
import requests

from tests.browser.live_portal import LivePortal

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
_addresses = itertools.count(1)


def csrf_token(html: str) -> str | None:
    match = CSRF.search(html)
    return (match.group(1) or match.group(2)) if match else None


class Browser(requests.Session):
    """A session whose Secure cookies travel: the proxy in front of the portal speaks HTTPS to the browser."""

    def __init__(self, base_url: str, address: str):
        super().__init__()
        self.base_url = base_url
        host = urlsplit(base_url).netloc
        self.headers.update({"X-Forwarded-Proto": "https", "X-Forwarded-For": address,
                             "Referer": f"https://{host}/", "User-Agent": "blackbox-probe"})

    def request(self, method, url, *args, **kwargs):
        if url.startswith("/"):
            url = self.base_url + url
        kwargs["allow_redirects"] = False  # an outsider looks at every Location header
        kwargs.setdefault("timeout", 30)
        response = super().request(method, url, *args, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False
        return response

    def token(self, page: str) -> str:
        response = self.get(page)
        token = csrf_token(response.text)
        assert token, f"no CSRF token on {page} ({response.status_code})"
        return token

    def submit(self, path: str, data: dict, *, form_page: str | None = None, **kwargs) -> requests.Response:
        """POST a form the way the browser does: the token comes from the page that shows the form."""
        return self.post(path, data={**data, "csrf_token": self.token(form_page or path)}, **kwargs)


@dataclass
class Portal:
    live: LivePortal
    world: dict
    env: dict
    client_ip: str
    workers: int
    _signed_in: dict = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return self.live.base_url

    def browser(self, address: str | None = None) -> Browser:
        """A new visitor; each gets its own client address unless one is given."""
        prefix = self.client_ip.rsplit(".", 1)[0]
        return Browser(self.base_url, address or f"{prefix}.{next(_addresses) % 250 + 1}")

    def password_step(self, email: str, password: str | None = None, remember: bool = False,
                      browser: Browser | None = None, next_url: str | None = None):
        browser = browser or self.browser()
        data = {"email": email, "password": password or self.world["password"]}
        if remember:
            data["remember"] = "y"
        query = {"next": next_url} if next_url is not None else None
        page = "/login" if next_url is None else "/login?" + requests.compat.urlencode(query)
        response = browser.post("/login", params=query, data={**data, "csrf_token": browser.token(page)})
        return browser, response

    def totp_now(self) -> str:
        return pyotp.TOTP(self.world["admin"]["totp"]).at(self.live.now())

    def sign_in(self, who: str, remember: bool = False) -> Browser:
        """A fresh signed-in browser for a staged role ('admin' passes its second step with a TOTP code)."""
        email = self.email(who)
        browser, response = self.password_step(email, remember=remember)
        assert response.status_code == 302, (who, response.status_code)
        if who == "admin":
            assert response.headers["Location"].startswith("/login/verify"), response.headers["Location"]
            code = self.fresh_totp()
            response = browser.submit("/login/verify", {"code": code})
            assert response.status_code == 302, response.status_code
        return browser

    _used_steps: set = field(default_factory=set)

    def fresh_totp(self) -> str:
        """A code the portal has not accepted yet: a replayed code is refused, so move the clock a step on."""
        step = int(self.live.now().timestamp()) // 30
        while step in self._used_steps:
            self.live.travel(30)
            step = int(self.live.now().timestamp()) // 30
        self._used_steps.add(step)
        return self.totp_now()

    def user(self, who: str) -> Browser:
        """A signed-in browser per role, kept for the session (probes that sign out use sign_in)."""
        if who not in self._signed_in:
            self._signed_in[who] = self.sign_in(who)
        return self._signed_in[who]

    def email(self, who: str) -> str:
        value = self.world[who]
        return value["email"] if isinstance(value, dict) else value[0] if isinstance(value, list) else value

    def log(self) -> str:
        return self.live.log_path.read_text(encoding="utf-8", errors="replace")

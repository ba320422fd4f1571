"""What every request passes through: throttling, and the headers and cookie flags of every response."""

from flask import Flask, Request, Response, abort, has_request_context, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

from portal.extensions import limiter
from portal.util import controls

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",  # Bootstrap draws its form and navbar icons as data: SVG
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
HSTS = "max-age=31536000; includeSubDomains"


class PortalRequest(Request):
    """Query strings and form fields without control characters.

    Nobody types a NUL or a vertical tab; they come from pastes and crafted requests, PostgreSQL cannot store
    or compare a NUL, and every one of them breaks some output later (XML, spreadsheets, iCalendar, e-mail
    headers: see util/controls.py). They are dropped here, once, for every view's filters, searches and forms.
    Dropped, not refused: they are invisible, so a message about one would name something the person can
    neither see nor find in the box. In a query value each becomes a space (its length, which a parameter may
    bound, stays as sent). A
    form value keeps tab, LF and CR, which a text area may hold; the form field then decides (forms.FlaskForm).
    A path cannot lose characters and still name the same thing: one with a NUL is not found (init_app).
    """

    @cached_property
    def args(self):
        return _cleaned(super().args, controls.blank_controls)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        if "form" in self.__dict__:
            self.__dict__["form"] = _cleaned(self.__dict__["form"], controls.from_request)


def _cleaned(values, clean_value):
    """The same fields with control characters removed; a field whose name the parser could not read is dropped."""
    pairs = list(values.items(multi=True))
    if all(isinstance(key, str) and not controls.has_control(key) and not controls.has_control(value)
           for key, value in pairs):
        return values
    return ImmutableMultiDict([(controls.clean_line(key), clean_value(value))
                               for key, value in pairs if isinstance(key, str)])


class PortalResponse(Response):
    """Every cookie set while answering an HTTPS request is `Secure`.

    Production marks cookies Secure by configuration; this also covers an HTTPS request in any other
    setting, including one that reached us through a trusted proxy (X-Forwarded-Proto, see ProxyFix in
    the factory). Flask's session and Flask-Login's remember-me cookie are both set through here.
    """

    def set_cookie(self, key, *args, secure: bool = False, **kwargs) -> None:
        if not secure and has_request_context() and request.is_secure:
            secure = True
        super().set_cookie(key, *args, secure=secure, **kwargs)


def init_app(app: Flask) -> None:
    limiter.init_app(app)
    app.request_class = PortalRequest
    app.response_class = PortalResponse

    @app.before_request
    def _no_nul_in_the_path():
        # No address of the portal holds a NUL; a path value with one would reach a query.
        if "\x00" in request.path:
            abort(404)

    @app.after_request
    def _headers(response):
        headers = response.headers
        for name, value in HEADERS.items():
            headers.setdefault(name, value)
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if response.mimetype == "text/html":
            # Pages can show account data; never let a shared cache keep them.
            headers.setdefault("Cache-Control", "no-store" if _is_personal() else "no-cache")
        return response


def _is_personal() -> bool:
    from flask_login import current_user

    return bool(current_user and current_user.is_authenticated)

"""Template globals and filters: reference lists, local time and money; the factory adds the permissions."""

from datetime import datetime, timedelta
from decimal import Decimal

from flask import Flask, current_app, request, url_for
from flask_babel import get_locale

from portal.reference import DISTRICTS, SECTORS
from portal.util import clock
from portal.util.text import safe_html
from portal.web import translations
from portal.web.translations import gettext as _


def localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    local = clock.to_local(value)
    return local.strftime(fmt) if local else ""


def money(value: Decimal | None) -> str:
    if value is None:
        return _("面议")
    return _("%(amount)s 万元", amount=f"{value:,.2f}".rstrip("0").rstrip("."))


def duration(delta: timedelta | None) -> str:
    if delta is None:
        return ""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)d 天 %(h)d 小时", d=days, h=hours)
    if hours:
        return _("%(h)d 小时 %(m)d 分", h=hours, m=mins)
    return _("%(m)d 分钟", m=max(mins, 1))


def url_with(**changes) -> str:
    """The current URL with some query arguments replaced (pagination, filters)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        args.pop(key, None)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def init_app(app: Flask, extra_globals: dict | None = None) -> None:
    """Register the filters and globals; `extra_globals` are the factory's (the permission predicates)."""
    translations.init_app(app)
    app.jinja_env.globals.update(extra_globals or {})
    app.jinja_env.globals.update(url_with=url_with, SECTORS=SECTORS, DISTRICTS=DISTRICTS)
    app.jinja_env.filters.update(localtime=localtime, money=money, duration=duration, safe_html=safe_html)

    @app.context_processor
    def _common():
        return {
            "current_locale": str(get_locale()),
            "languages": current_app.config["LANGUAGES"],
            "now_utc": clock.now(),
        }

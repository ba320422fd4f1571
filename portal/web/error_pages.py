"""Error pages in the user's language; never a traceback."""

from collections.abc import Callable

from flask import Flask, Response, render_template, request
from flask.globals import request_ctx
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.errors import DomainError
from portal.extensions import db

MESSAGES = {
    400: _l("请求无效，请检查后重试。"),
    403: _l("您没有权限访问该页面。"),
    404: _l("您访问的页面不存在，或您无权查看。"),
    405: _l("不支持该请求方式。"),
    413: _l("上传的内容超过大小限制。"),
    429: _l("操作过于频繁，请稍后再试。"),
    500: _l("服务器出现问题，我们已记录，请稍后再试。"),
}


def render_error(status: int, message: str | None = None):
    db.session.rollback()
    text = message or str(MESSAGES.get(status, MESSAGES[500]))
    return render_template("errors/error.html", status=status, message=text), status


def _no_url_adapter() -> bool:
    # A Host header outside TRUSTED_HOSTS fails before the request can build any URL: the page (whose links
    # all come from url_for) cannot be drawn, so Werkzeug's plain answer goes out instead.
    return request_ctx.url_adapter is None


def init_app(app: Flask, json_errors_under: dict[str, Callable[[HTTPException], object]] | None = None) -> None:
    """Register the error pages; below a path prefix of `json_errors_under` its handler answers HTTP errors."""
    json_errors_under = dict(json_errors_under or {})

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_error(400, _("页面已过期或来源不明（CSRF 校验失败），请返回、刷新页面后重新提交。"))

    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        return render_error(error.status_code, error.message)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if request.path.startswith("/static/"):
            return error
        if _no_url_adapter():  # nothing of the forged name is echoed back
            return Response("400 Bad Request: 请求无效。\n", 400, mimetype="text/plain")
        for prefix, answer in json_errors_under.items():  # the open-data API answers in JSON, even for unknown paths
            if request.path.startswith(prefix):
                return answer(error)
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(500)

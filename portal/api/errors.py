"""One error object for every refusal of the API: {"error": {"code", "message"[, "parameter"]}}."""

from flask import jsonify
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, MethodNotAllowed

CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 406: "not_acceptable",
         413: "too_large", 429: "too_many_requests", 500: "internal_error"}


class ApiError(Exception):
    """A request the API refuses; `parameter` names the query or path parameter at fault."""

    def __init__(self, status: int, code: str, message: str, parameter: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.parameter = status, code, message, parameter


def invalid(parameter: str, message: str, code: str = "invalid_parameter") -> ApiError:
    return ApiError(400, code, message, parameter)


def error_response(status: int, code: str, message: str, parameter: str | None = None):
    error = {"code": code, "message": message}
    if parameter is not None:
        error["parameter"] = parameter
    return jsonify({"error": error}), status


def api_error_response(error: ApiError):
    return error_response(error.status, error.code, error.message, error.parameter)


def http_error_response(error: HTTPException):
    """The JSON form of an HTTP error (unknown path, unknown id, unsupported method, throttling)."""
    status = error.code or 500
    from portal.web.error_pages import MESSAGES

    messages = {404: _("资源不存在。"), 405: _("开放数据接口只支持 GET 请求。")}
    message = messages.get(status) or str(MESSAGES.get(status, MESSAGES[500]))
    response, status = error_response(status, CODES.get(status, "http_error"), message)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response, status


def server_error_response():
    return error_response(500, "internal_error", _("服务器出现问题，我们已记录，请稍后再试。"))

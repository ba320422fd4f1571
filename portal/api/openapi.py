"""The OpenAPI 3.1 document, written from the same declarations that register and validate each route.

`operation(...)` is the only way an API route is made: it records the path, its parameters (portal.api.params)
and its response schema (portal.api.serializers), registers a GET-only view that validates the request
with those parameters, and `document()` describes exactly what was registered.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import jsonify

from portal.api import bp, params, serializers
from portal.api.params import Param

VERSION = "1.0.0"


@dataclass(frozen=True)
class Operation:
    path: str
    operation_id: str
    summary: str
    description: str
    parameters: tuple[Param, ...]
    schema: str

    @property
    def has_path_params(self) -> bool:
        return any(p.location == "path" for p in self.parameters)


OPERATIONS: list[Operation] = []


def operation(path: str, *, summary: str, schema: str, parameters: tuple[Param, ...] = (), description: str = ""):
    """Register `view(arguments) -> dict` at `path` (OpenAPI form, e.g. /scenarios/{scenario_id}).

    The view receives the validated parameters by name, defaults filled in, absent ones as None.
    """

    def register(view: Callable[..., dict]):
        op = Operation(path, view.__name__, summary, description, parameters, schema)
        OPERATIONS.append(op)

        @wraps(view)
        def endpoint(**path_values):
            return jsonify(view(params.parse(op.parameters, path_values)))

        bp.add_url_rule(re.sub(r"{(\w+)}", r"<\1>", path), view.__name__, endpoint, methods=["GET"])
        return view

    return register


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": serializers.ref("Error")}}}


BAD_REQUEST = _error("参数有误：error.parameter 指出哪个参数，error.message 说明原因。")
NOT_FOUND = _error("不存在或尚未公开。")


def _describe(op: Operation) -> dict:
    return {
        "operationId": op.operation_id,
        "summary": op.summary,
        "description": op.description or op.summary,
        "parameters": [p.openapi() for p in op.parameters],
        "responses": {
            "200": {"description": "成功", "content": {"application/json": {"schema": serializers.ref(op.schema)}}},
            "400": BAD_REQUEST,
            **({"404": NOT_FOUND} if op.has_path_params else {}),
        },
    }


def operations() -> list[Operation]:
    """Every API operation; they register themselves as the API's routes module loads, so load it first."""
    from portal.api import routes  # noqa: F401

    return OPERATIONS


def document(server_url: str) -> dict:
    """The OpenAPI 3.1 description of every registered API operation."""
    paths: dict = {}
    for op in operations():
        paths.setdefault(op.path, {})["get"] = _describe(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "幸会·杭州 场景机会平台 开放数据接口",
            "version": VERSION,
            "description": (
                "只读、无需登录的公开数据：清单批次、应用场景、揭榜成功名单、首台（套）产品库。"
                "内容与公开页面一致，揭榜方案等密封信息从不出现。"
                "出错时返回 {\"error\": {\"code\", \"message\", \"parameter\"}}；未知参数或重复参数同样视为参数错误。"
            ),
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": serializers.SCHEMAS},
    }

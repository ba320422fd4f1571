from flask import Blueprint

bp = Blueprint("scenarios", __name__)
manage_bp = Blueprint("manage", __name__)

from portal.scenarios import manage_routes, routes  # noqa: E402,F401

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from portal.accounts import routes, two_factor_routes  # noqa: E402,F401

from flask import Blueprint

bp = Blueprint("scenarios", __name__)
manage_bp = Blueprint("manage", __name__)

from portal.scenarios import manage_routes, routes  # noqa: E402,F401


def init_app(app) -> None:
    """Make published scenarios searchable."""
    from portal.scenarios import search_documents

    search_documents.register()

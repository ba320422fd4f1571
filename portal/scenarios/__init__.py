from flask import Blueprint

bp = Blueprint("scenarios", __name__)
manage_bp = Blueprint("manage", __name__)


def init_app(app) -> None:
    """Make published scenarios searchable."""
    from portal.scenarios import search_documents

    search_documents.register()

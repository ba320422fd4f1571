from flask import Blueprint

# Public pages: the list, a capability, its feed.
bp = Blueprint("capabilities", __name__)
# A verified enterprise's own capabilities.
mine_bp = Blueprint("my_capabilities", __name__)
# Departments and admins: the review queue.
review_bp = Blueprint("capability_review", __name__)


def init_app(app) -> None:
    """Capabilities in search, and the matches of an open scenario for its page."""
    from portal.capabilities import matching, search_documents

    search_documents.register()
    app.jinja_env.globals.update(matching_capabilities=matching.matching_capabilities)

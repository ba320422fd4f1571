from flask import Blueprint

# Public pages: the list, a capability, its feed.
bp = Blueprint("capabilities", __name__)
# A verified enterprise's own capabilities.
mine_bp = Blueprint("my_capabilities", __name__)
# Departments and admins: the review queue.
review_bp = Blueprint("capability_review", __name__)
# 邀请揭榜: a department invites the enterprise of a fitting capability to bid on its open scenario.
invite_bp = Blueprint("capability_invitations", __name__)


def init_app(app) -> None:
    """Capabilities in search, the matches of an open scenario and of a capability for their pages, and the
    job that alerts enterprises of new scenarios fitting their capabilities (outside the publishing request)."""
    from portal import jobs
    from portal.capabilities import matching, operations, queries, search_documents

    search_documents.register()
    app.jinja_env.globals.update(matching_capabilities=matching.matching_capabilities,
                                 invited_organizations=queries.invited_organizations)
    jobs.register(app, "capabilities.scenario-alerts", operations.send_capability_alerts, jobs.every(minutes=5))

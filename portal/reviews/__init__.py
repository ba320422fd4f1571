"""Expert review, ranking, decision and 公示 of a closed scenario."""

from flask import Blueprint

manage_bp = Blueprint("review_manage", __name__)  # the owning department: set-up, ranking, decision, objections
reviewing_bp = Blueprint("reviewing", __name__)  # a reviewer's workspace
public_bp = Blueprint("announcements", __name__)  # 公示 pages, objections, final results

from portal.reviews import manage_routes, public_routes, reviewer_routes  # noqa: E402,F401

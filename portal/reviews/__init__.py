"""Expert review of a closed scenario: set-up, assignment and conflicts, scoring, and the ranking."""

from flask import Blueprint

manage_bp = Blueprint("review_manage", __name__)  # the owning department: set-up, assignments, ranking
reviewing_bp = Blueprint("reviewing", __name__)  # a reviewer's workspace
discussion_bp = Blueprint("review_discussion", __name__)  # the panel and the department: flagged proposals

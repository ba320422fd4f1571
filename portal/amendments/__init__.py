"""变更公告: a published call changed by its department, in public and in versions, and the files of a call.

- models.py: the amendments (one version each, with the fields it changed), the scenario's attachments
  (需求说明书, drawings) and the bidders' confirmations of changed requirements;
- diffs.py: what an amendment changed, field by field, and the requirements' text diff drawn safely;
- policy.py: how many days must remain before the deadline after a change (an admin setting);
- operations.py: amending, attaching files to a draft, confirming a proposal after a change;
- queries.py: the amendments of a scenario, and which proposals wait for their bidder's confirmation — the
  review takes none of those (portal/reviews/queries.py).
"""

from flask import Blueprint

bp = Blueprint("amendments", __name__)  # public: the call's files
manage_bp = Blueprint("amend_manage", __name__)  # the owner department: amend, files of a draft
bidder_bp = Blueprint("amend_bidder", __name__)  # enterprises: confirm a proposal after a change
admin_bp = Blueprint("amend_admin", __name__)  # the platform admin: the days that must remain


def init_app(app) -> None:
    """Let the scenario page list a call's files and amendments."""
    from portal.amendments import diffs, queries

    app.add_template_global(queries.amendments_of, "scenario_amendments")
    app.add_template_global(queries.attachments_of, "scenario_attachments")
    app.add_template_global(queries.pending_amendment, "pending_amendment")
    app.add_template_global(diffs.describe, "describe_amendment")

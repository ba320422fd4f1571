"""Who may do what: every authorization decision of the portal is made in this package.

Predicates take the user explicitly and are registered as Jinja globals, so the same function
decides the 403/404 in a view and whether a template shows the button.

One module per domain (scenarios, proposals, reviews, announcements, catalogue, …) on the roles of roles.py.
A new rule goes in the module of its domain, and into that module's TEMPLATE_GLOBALS when a template asks it;
every public name is re-exported here, so callers keep writing `permissions.can_x` or
`from portal.permissions import can_x`. Where a list states a rule in SQL, the SQL sits beside the model's own
reading of it (e.g. `Scenario.bids_unsealed` and its clause), and the predicate here asks that reading.
"""

from portal.permissions import accounts as _accounts
from portal.permissions import amendments as _amendments
from portal.permissions import announcements as _announcements
from portal.permissions import capabilities as _capabilities
from portal.permissions import catalogue as _catalogue
from portal.permissions import clarifications as _clarifications
from portal.permissions import contacts as _contacts
from portal.permissions import documents as _documents
from portal.permissions import meetings as _meetings
from portal.permissions import projects as _projects
from portal.permissions import proposals as _proposals
from portal.permissions import reviews as _reviews
from portal.permissions import roles as _roles
from portal.permissions import scenarios as _scenarios
from portal.permissions.accounts import (  # noqa: F401
    can_administer,
    can_follow_sectors,
    can_read_notification,
    can_use_two_factor,
)
from portal.permissions.amendments import (  # noqa: F401
    can_amend_scenario,
    can_attach_to_scenario,
    can_confirm_proposal,
    can_download_scenario_attachment,
    can_set_amendment_policy,
)
from portal.permissions.announcements import (  # noqa: F401
    can_announce,
    can_answer_objection,
    can_decide,
    can_file_objection,
    can_view_announcement,
    can_view_current_announcement,
    can_view_feedback,
    can_view_objection,
    has_past_announcements,
    load_feedback_proposal_or_404,
    load_objection_or_404,
    objection_refusal,
)
from portal.permissions.capabilities import (  # noqa: F401
    can_approve_capability,
    can_edit_capability,
    can_publish_capability,
    can_return_capability,
    can_review_capability,
    can_see_capability_contact,
    can_submit_capability,
    can_view_capability,
    can_withdraw_capability,
    load_capability_or_404,
    owns_capability,
)
from portal.permissions.catalogue import (  # noqa: F401
    can_apply_product,
    can_approve_product,
    can_classify_product,
    can_correct_product_validity,
    can_edit_product,
    can_import_products,
    can_reject_product,
    can_review_product,
    can_revoke_product,
    can_view_enterprise,
    can_view_product,
    load_enterprise_or_404,
    load_product_or_404,
    owns_product,
)
from portal.permissions.clarifications import (  # noqa: F401
    can_answer_question,
    can_ask_question,
    can_manage_questions,
    can_set_call_terms,
    can_set_opening_names,
    can_view_opening_record,
    can_view_question,
    can_view_question_as_department,
    load_question_or_404,
    owns_question,
    question_refusal,
)
from portal.permissions.contacts import (  # noqa: F401
    can_see_enterprise_contact,
    can_see_scenario_contact,
    enterprise_contact,
    scenario_contact,
)
from portal.permissions.documents import can_download_application, load_version_or_404  # noqa: F401
from portal.permissions.guards import (  # noqa: F401
    MAX_ID,
    load_or_404,
)
from portal.permissions.meetings import (  # noqa: F401
    can_accept_meeting,
    can_answer_meeting,
    can_invite_to_bid,
    can_propose_meeting_time,
    can_record_meeting,
    can_request_meeting,
    can_use_meetings,
    can_view_meeting,
    load_meeting_or_404,
    meeting_side,
)
from portal.permissions.projects import (  # noqa: F401
    can_answer_plan,
    can_download_report_attachment,
    can_draft_plan,
    can_edit_case,
    can_edit_plan,
    can_give_opinion,
    can_mark_milestone,
    can_open_acceptance,
    can_propose_plan,
    can_record_result,
    can_report_progress,
    can_run_acceptance,
    can_view_case,
    can_view_opinions,
    can_view_project,
    can_view_project_result,
    is_project_department,
    is_project_expert,
    is_project_party,
    is_project_winner,
    load_project_or_404,
)
from portal.permissions.proposals import (  # noqa: F401
    can_answer_invitation,
    can_download_attachment,
    can_manage_consortium,
    can_see_proposal_count,
    can_take_list,
    can_view_proposal,
    can_view_submission,
    can_withdraw_proposal,
    is_invited_member,
    load_invitation_or_404,
    load_proposal_or_404,
    owns_proposal,
    take_list_refusal,
)
from portal.permissions.reviews import (  # noqa: F401
    can_download_attachment_as_reviewer,
    can_draw_experts,
    can_edit_conflict_profile,
    can_edit_expert_profile,
    can_manage_review,
    can_recuse,
    can_reopen_review,
    can_review_proposal,
    can_view_discussion,
    can_view_review,
    is_blind_review,
    is_on_panel,
    load_discussion_or_404,
    load_review_or_404,
    reading_review,
    reviewable_review,
)
from portal.permissions.roles import (  # noqa: F401
    has_role,
    is_admin,
    is_department,
    is_enterprise_account,
    is_reviewer,
    is_verified_enterprise,
)
from portal.permissions.scenarios import (  # noqa: F401
    can_cancel_scenario,
    can_create_batch,
    can_edit_scenario,
    can_manage_batch,
    can_manage_scenario,
    can_publish_scenario,
    can_view_batch,
    can_view_scenario,
    is_sealed,
    load_batch_or_404,
    load_scenario_or_404,
)

JINJA_GLOBALS = {
    fn.__name__: fn
    for module in (
        _roles,
        _scenarios,
        _proposals,
        _reviews,
        _announcements,
        _catalogue,
        _capabilities,
        _meetings,
        _projects,
        _clarifications,
        _amendments,
        _contacts,
        _accounts,
        _documents,
    )
    for fn in module.TEMPLATE_GLOBALS
}

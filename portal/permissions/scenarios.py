"""Batches (清单批次) and scenarios: who manages them, who sees them, and when their bids are sealed."""

from collections.abc import Callable

from portal.permissions.guards import load_or_404
from portal.permissions.roles import is_department


def can_create_batch(user) -> bool:
    return is_department(user)


def can_manage_batch(user, batch) -> bool:
    """A department touches only its own batches."""
    return is_department(user) and batch.department_id == user.organization_id


def can_view_batch(user, batch) -> bool:
    return batch.is_published or can_manage_batch(user, batch)


def can_manage_scenario(user, scenario) -> bool:
    return is_department(user) and scenario.department_id == user.organization_id


def can_view_scenario(user, scenario) -> bool:
    return (scenario.is_public and scenario.batch.is_published) or can_manage_scenario(user, scenario)


# The state rules below are the lifecycle's (portal/scenarios/lifecycle.py), which the operations enforce
# with `ensure_transition`: a button shows exactly when the operation would accept the state.


def can_edit_scenario(user, scenario) -> bool:
    """Only a draft: once published, a scenario's terms are fixed for every bidder."""
    from portal.scenarios import lifecycle

    return can_manage_scenario(user, scenario) and lifecycle.is_editable(scenario)


def can_publish_scenario(user, scenario) -> bool:
    from portal.scenarios import lifecycle

    return can_manage_scenario(user, scenario) and lifecycle.permits(scenario, "publish")


def can_cancel_scenario(user, scenario) -> bool:
    """Any state before final; the operation also asks for the reason the public will see."""
    from portal.scenarios import lifecycle

    return can_manage_scenario(user, scenario) and lifecycle.permits(scenario, "cancel")


def is_sealed(scenario) -> bool:
    """Nobody but the bidder sees a proposal's content or the bidder's name: before the deadline, and for
    good on a scenario cancelled before it (the rule itself is `Scenario.bids_unsealed`)."""
    return not scenario.bids_unsealed


def load_batch_or_404(ident: int, user, need: Callable = can_view_batch):
    from portal.scenarios.models import Batch

    return load_or_404(Batch, ident, user, need)


def load_scenario_or_404(ident: int, user, need: Callable = can_view_scenario):
    from portal.scenarios.models import Scenario

    return load_or_404(Scenario, ident, user, need)


# Registered as Jinja globals (portal/permissions/__init__.py), so templates ask the same rule.
TEMPLATE_GLOBALS = (
    can_create_batch,
    can_manage_batch,
    can_view_batch,
    can_manage_scenario,
    can_view_scenario,
    can_edit_scenario,
    can_publish_scenario,
    can_cancel_scenario,
    is_sealed,
)

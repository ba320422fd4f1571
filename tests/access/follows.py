"""Rows for sector follows: every enterprise account, verified or not yet, and nobody else."""

from tests.access import FORBIDDEN, LOGIN, OK, everyone

ROWS = {
    "follows.edit_follows": ("GET", {}, {**everyone(FORBIDDEN), "anonymous": LOGIN, "enterprise": OK,
                                         "pending_enterprise": OK}),
}

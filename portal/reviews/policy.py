"""Policy values of the review, with defaults in code; an app may override them in its configuration.

Kept in configuration (REVIEW_MIN_REVIEWERS, REVIEW_DEFAULT_REVIEWERS, ANNOUNCEMENT_DAYS,
SPREAD_FLAG_POINTS) rather than a settings table: they change with a regulation, not per scenario.
"""

from flask import current_app

DEFAULTS = {
    "REVIEW_MIN_REVIEWERS": 3,
    "REVIEW_DEFAULT_REVIEWERS": 5,
    "ANNOUNCEMENT_DAYS": 5,
    "SPREAD_FLAG_POINTS": 20,
}

# 技术先进性 30 / 方案可行性 30 / 团队实力 20 / 经济合理性 20; the first criterion breaks ties.
DEFAULT_RUBRIC = (("技术先进性", 30), ("方案可行性", 30), ("团队实力", 20), ("经济合理性", 20))


def value(name: str) -> int:
    return int(current_app.config.get(name, DEFAULTS[name]))


def min_reviewers() -> int:
    return value("REVIEW_MIN_REVIEWERS")


def default_reviewers() -> int:
    return value("REVIEW_DEFAULT_REVIEWERS")


def announcement_days() -> int:
    return value("ANNOUNCEMENT_DAYS")


def spread_flag_points() -> int:
    return value("SPREAD_FLAG_POINTS")

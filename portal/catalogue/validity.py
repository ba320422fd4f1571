"""How long a 首台（套）recognition counts: the one rule, used by imports, applications and the migration.

Official lists publish the year of recognition, rarely the day, so validity is counted in whole calendar
years from the end of that year: recognised in 2023 with 3 years' validity, a product is a current 首台（套）
until 31 December 2026 inclusive, and expired from 1 January 2027 (Asia/Shanghai days, portal.util.clock).
Each list may set its own number of years when it is imported; applications take the default.
"""

from datetime import date

DEFAULT_YEARS = 3
MIN_YEARS, MAX_YEARS = 1, 10


def valid_until(year: int, years: int = DEFAULT_YEARS) -> date:
    """The last day a product recognised in `year` counts as 首台（套）, given `years` of validity."""
    return date(year + years, 12, 31)


def is_expired(until: date | None, today: date) -> bool:
    """Whether validity has run out on `today`: the last day itself is still valid. No date: still valid."""
    return until is not None and today > until

"""Which entries of a reviewer's conflict profile (利益冲突信息) concern which bidding organisations. Pure: the
callers load the rows (portal/reviews/conflicts.py) and decide what a match does.

A profile holds the current employer, employers of the last three years, shareholdings, posts and other
declared relations, each naming an organisation (with its 统一社会信用代码 when known). A proposal's parties are
a list of organisations, so consortium members can join the bidder later without changing the rules.
"""

from dataclasses import dataclass
from datetime import date

from portal.util.orgnames import how_same

# Employment that ended more than this many years ago no longer makes a conflict (the usual 回避 rule for
# expert reviews: 近三年内曾在申报单位任职).
FORMER_EMPLOYMENT_YEARS = 3

# Entry kinds; the values are those of portal.reviews.models.ConflictKind, plus the two implied ones.
EMPLOYER = "employer"  # the current employer (所属单位 given when the account was made, or as since updated)
FORMER_EMPLOYER = "former_employer"
SHAREHOLDING = "shareholding"
POST = "post"
RELATION = "relation"
ACCOUNT = "account"  # the organisation the reviewer's account belongs to


@dataclass(frozen=True)
class Entry:
    kind: str
    name: str
    uscc: str | None = None
    until: date | None = None  # former employers: the last day of employment
    organization_id: int | None = None  # ACCOUNT entries only, which match by it alone


@dataclass(frozen=True)
class Party:
    """An organisation taking part in a proposal: the bidder (later also consortium members)."""

    organization_id: int
    name: str
    uscc: str | None = None


@dataclass(frozen=True)
class Match:
    entry: Entry
    party: Party
    how: str  # "uscc", "name" or "organization"


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def counts(entry: Entry, today: date) -> bool:
    """Whether the entry can make a conflict today: former employment only within the last three years."""
    if entry.kind == FORMER_EMPLOYER:
        return entry.until is not None and entry.until >= years_before(today, FORMER_EMPLOYMENT_YEARS)
    return True


def match_entry(entry: Entry, party: Party) -> str | None:
    if entry.kind == ACCOUNT:
        # By identity only: the account organization's name is the employer given at creation, which the
        # profile's current employer already stands for (and may since have replaced).
        return "organization" if entry.organization_id == party.organization_id else None
    return how_same(entry.name, entry.uscc, party.name, party.uscc)


def find_conflicts(entries, parties, today: date) -> list[Match]:
    """Every (entry, party) pair that matches, entries in the given order; expired entries are left out."""
    found = []
    for entry in entries:
        if not counts(entry, today):
            continue
        for party in parties:
            how = match_entry(entry, party)
            if how is not None:
                found.append(Match(entry, party, how))
    return found


def first_conflict(entries, parties, today: date) -> Match | None:
    """The match to record: by code before by name, then in the profile's order (the employer first)."""
    found = find_conflicts(entries, parties, today)
    rank = {"organization": 0, "uscc": 1, "name": 2}
    return min(found, key=lambda m: rank[m.how], default=None)

"""The aggregation of scores into a ranking: pure functions, no database, so anyone can recompute it.

Rules (揭榜挂帅 review):
- A reviewer's total is the sum of its criterion scores; each weight is that criterion's maximum.
- A proposal's score is the mean of its reviewers' totals after dropping one highest and one lowest
  total when there are at least 5 totals, the plain mean otherwise.
- The spread is max − min of the totals; above the flag threshold the panel discusses before deciding.
- Ranking: higher score first; ties go to the higher mean subtotal of the first criterion
  (技术先进性 in the default rubric), then to the earlier submission of the effective version,
  then to the lower proposal number so the order is always total.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

STEP = Decimal("0.5")
TRIM_FROM = 5
DEFAULT_FLAG = Decimal(20)


class ScoreError(ValueError):
    """A score as typed cannot be accepted; `kind` says why (missing, number, range, step)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def parse_score(text: str | None, weight: int) -> Decimal | None:
    """A typed score as a Decimal (None when empty); refuse anything outside 0..weight or off the 0.5 steps."""
    raw = (text or "").strip().replace("，", ".").replace("。", ".")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation as error:
        raise ScoreError("number") from error
    if not value.is_finite():
        raise ScoreError("number")
    if value < 0 or value > weight:
        raise ScoreError("range")
    if value % STEP != 0:
        raise ScoreError("step")
    return value.quantize(Decimal("0.1"))


def weighted_total(scores: Sequence[Decimal]) -> Decimal:
    return sum(scores, Decimal(0))


def mean(values: Sequence[Decimal]) -> Decimal:
    if not values:
        raise ValueError("no values")
    return sum(values, Decimal(0)) / len(values)


def trimmed_mean(totals: Sequence[Decimal]) -> Decimal:
    """Drop one highest and one lowest total when there are at least 5; plain mean otherwise."""
    ordered = sorted(totals)
    if len(ordered) >= TRIM_FROM:
        ordered = ordered[1:-1]
    return mean(ordered)


def spread(totals: Sequence[Decimal]) -> Decimal:
    return max(totals) - min(totals) if totals else Decimal(0)


def shown(value: Decimal | None) -> str:
    """Two decimals, half up, as the pages and exports show it."""
    if value is None:
        return ""
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class ReviewerTotal:
    reviewer: object  # whatever identifies the reviewer to the caller (an id, a name)
    subtotals: tuple[Decimal, ...]

    @property
    def total(self) -> Decimal:
        return weighted_total(self.subtotals)


@dataclass(frozen=True)
class Entry:
    """One proposal's input to the ranking."""

    key: object
    submitted_at: datetime
    reviews: tuple[ReviewerTotal, ...]
    order: int = 0  # the final tie-break (e.g. the proposal id)


@dataclass
class RankedProposal:
    key: object
    reviews: tuple[ReviewerTotal, ...]
    totals: tuple[Decimal, ...]
    score: Decimal | None
    spread: Decimal
    flagged: bool
    first_criterion_mean: Decimal | None
    submitted_at: datetime
    trimmed: bool
    rank: int = 0
    criterion_means: tuple[Decimal, ...] = field(default_factory=tuple)


def rank(entries: Sequence[Entry], flag_above: Decimal = DEFAULT_FLAG) -> list[RankedProposal]:
    """Score every entry and order them by the documented rule; entries without reviews come last, unranked."""
    results = []
    for entry in entries:
        totals = tuple(r.total for r in entry.reviews)
        width = max((len(r.subtotals) for r in entry.reviews), default=0)
        criterion_means = tuple(mean([r.subtotals[i] for r in entry.reviews]) for i in range(width))
        results.append(RankedProposal(
            key=entry.key, reviews=tuple(entry.reviews), totals=totals,
            score=trimmed_mean(totals) if totals else None, spread=spread(totals),
            flagged=bool(totals) and spread(totals) > flag_above,
            first_criterion_mean=criterion_means[0] if criterion_means else None,
            submitted_at=entry.submitted_at, trimmed=len(totals) >= TRIM_FROM,
            criterion_means=criterion_means))
    orders = {id(r): e.order for r, e in zip(results, entries, strict=True)}

    def sort_key(result: RankedProposal):
        unscored = result.score is None
        return (unscored, -(result.score or 0), -(result.first_criterion_mean or 0), result.submitted_at,
                orders[id(result)])

    results.sort(key=sort_key)
    for position, result in enumerate(results, start=1):
        result.rank = position if result.score is not None else 0
    return results

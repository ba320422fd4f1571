"""The aggregation rules, by example and by property (hypothesis)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.reviews import scoring
from portal.reviews.scoring import Entry, ReviewerTotal, ScoreError, parse_score, rank, spread, trimmed_mean

totals = st.lists(st.integers(min_value=0, max_value=200).map(lambda n: Decimal(n) / 2), min_size=1, max_size=12)
T0 = datetime(2026, 3, 1, tzinfo=UTC)


@given(totals)
def test_trimmed_mean_lies_between_the_lowest_and_highest_total(values):
    assert min(values) <= trimmed_mean(values) <= max(values)


@given(totals, st.randoms())
def test_trimmed_mean_does_not_depend_on_the_order_of_the_totals(values, random):
    shuffled = list(values)
    random.shuffle(shuffled)
    assert trimmed_mean(shuffled) == trimmed_mean(values)


@given(st.lists(st.integers(min_value=0, max_value=200).map(lambda n: Decimal(n) / 2), min_size=1, max_size=4))
def test_below_five_totals_it_is_the_plain_mean(values):
    assert trimmed_mean(values) == sum(values) / len(values)


@given(st.lists(st.integers(min_value=0, max_value=200).map(lambda n: Decimal(n) / 2), min_size=5, max_size=12))
def test_from_five_totals_one_highest_and_one_lowest_are_dropped(values):
    kept = sorted(values)[1:-1]
    assert trimmed_mean(values) == sum(kept) / len(kept)


@given(totals)
def test_spread_is_max_minus_min_and_never_negative(values):
    assert spread(values) == max(values) - min(values) >= 0


def test_hand_computed_examples():
    assert trimmed_mean([Decimal(v) for v in (70, 80, 85, 88, 90)]) == Decimal(253) / 3
    assert scoring.shown(trimmed_mean([Decimal(v) for v in (70, 80, 85, 88, 90)])) == "84.33"
    assert trimmed_mean([Decimal(80), Decimal(90)]) == 85
    assert trimmed_mean([Decimal("60"), Decimal("61"), Decimal("62"), Decimal("63")]) == Decimal("61.5")


@pytest.mark.parametrize(("text", "expected"), [("0", Decimal(0)), ("30", Decimal(30)), ("12.5", Decimal("12.5")),
                                                (" 7 ", Decimal(7)), ("", None), ("8，5", Decimal("8.5"))])
def test_parse_score_accepts_half_points_within_the_weight(text, expected):
    assert parse_score(text, 30) == expected


@pytest.mark.parametrize(("text", "kind"), [("-1", "range"), ("30.5", "range"), ("abc", "number"), ("NaN", "number"),
                                            ("Infinity", "number"), ("12.3", "step"), ("1e1000", "range")])
def test_parse_score_refuses_what_is_out_of_range_or_not_a_half_point(text, kind):
    with pytest.raises(ScoreError) as error:
        parse_score(text, 30)
    assert error.value.kind == kind


def _entry(key, reviewer_subtotals, submitted_minutes=0):
    return Entry(key=key, submitted_at=T0 + timedelta(minutes=submitted_minutes), order=key,
                 reviews=tuple(ReviewerTotal(i, tuple(Decimal(str(s)) for s in subs))
                               for i, subs in enumerate(reviewer_subtotals)))


def test_ranking_orders_by_score_then_first_criterion_then_earlier_submission():
    # b and c tie at 80 overall; c scored higher on the first criterion. a and d tie on both; a submitted first.
    entries = [
        _entry(1, [(20, 30, 15, 15)] * 3, submitted_minutes=5),
        _entry(2, [(20, 30, 15, 15)] * 3, submitted_minutes=1),
        _entry(3, [(25, 25, 15, 15)] * 3, submitted_minutes=9),
        _entry(4, [(30, 30, 20, 20)] * 3, submitted_minutes=9),
        _entry(5, []),
    ]
    ranked = rank(entries)
    assert [r.key for r in ranked] == [4, 3, 2, 1, 5]
    assert [r.rank for r in ranked] == [1, 2, 3, 4, 0]


@given(st.lists(st.lists(st.integers(0, 60).map(lambda n: Decimal(n) / 2), min_size=1, max_size=6),
                min_size=1, max_size=6), st.randoms())
def test_ranking_does_not_depend_on_the_input_order(totals_per_entry, random):
    entries = [_entry(i, [(t, 0, 0, 0) for t in totals], submitted_minutes=i) for i, totals in
               enumerate(totals_per_entry)]
    shuffled = list(entries)
    random.shuffle(shuffled)
    assert [r.key for r in rank(shuffled)] == [r.key for r in rank(entries)]


def test_a_spread_above_twenty_points_is_flagged_and_twenty_is_not():
    (wide,) = rank([_entry(1, [(30, 30, 20, 20), (30, 30, 0, 0)])])
    assert wide.spread == 40 and wide.flagged
    (edge,) = rank([_entry(1, [(30, 30, 20, 20), (30, 30, 20, 0)])])
    assert edge.spread == 20 and not edge.flagged
    (just_over,) = rank([_entry(1, [(30, 30, 20, 20), (30, 30, 0, 19.5)])])
    assert just_over.spread == Decimal("20.5") and just_over.flagged

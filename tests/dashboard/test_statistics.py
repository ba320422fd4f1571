"""The figures count what they say, for the public, a department and the platform."""

from datetime import UTC, datetime, timedelta

from portal.dashboard import statistics
from portal.scenarios.models import Scenario, ScenarioState
from portal.util import clock
from tests.dashboard.conftest import DAYS_TO_RESULT

S = ScenarioState


def test_public_scenario_counts_leave_out_drafts(city):
    scope = statistics.public_scope()
    assert statistics.scenarios_by(scope, Scenario.sector) == {
        "security": 2, "industrial_vision": 1, "medical_imaging": 1, "autonomous_driving": 1, "other": 1}
    assert statistics.scenarios_by(scope, Scenario.district)["滨江区"] == 2
    assert "淳安县" not in statistics.scenarios_by(scope, Scenario.district)


def test_status_is_derived_by_server_time(city):
    counts = statistics.status_counts(statistics.public_scope())
    assert counts == {S.PUBLISHED: 2, S.CLOSED: 2, S.FINAL: 1, S.CANCELLED: 1}
    clock.travel(timedelta(days=30))  # both open deadlines pass; nothing is written to the rows
    counts = statistics.status_counts(statistics.public_scope())
    assert counts == {S.CLOSED: 4, S.FINAL: 1, S.CANCELLED: 1}


def test_public_proposal_counts_only_for_scenarios_past_their_deadline(city):
    histogram = statistics.proposal_histogram(statistics.public_scope())
    # closed_a 3, final_a 2, closed_b 1; the sealed bids on open_a (2) and open_b (1) are not counted.
    assert histogram.scenarios_with == {1: 1, 2: 1, 3: 1}
    assert (histogram.scenarios, histogram.proposals) == (3, 6)
    clock.travel(timedelta(days=30))
    histogram = statistics.proposal_histogram(statistics.public_scope())
    assert histogram.scenarios_with == {1: 2, 2: 2, 3: 1}
    assert histogram.proposals == 9


def test_histogram_caps_the_last_bucket(city):
    histogram = statistics.proposal_histogram(statistics.public_scope(), cap=2)
    assert histogram.scenarios_with == {1: 1, 2: 2}
    assert histogram.proposals == 6


def test_a_department_counts_the_bids_of_its_own_open_scenarios_only(city):
    own = statistics.department_scope(city.owner.organization_id)
    assert statistics.proposal_histogram(own).scenarios_with == {0: 1, 2: 2, 3: 1}  # the cancelled one has none
    rows = {title: n for _id, title, n in statistics.proposals_per_scenario(own)}
    assert rows == {"城市道路病害智能巡检": 2, "锂电池极片缺陷检测": 3, "园区安防视频智能分析": 2, "已撤销的场景": 0}
    other = statistics.department_scope(city.other.organization_id)
    rows = {title: n for _id, title, n in statistics.proposals_per_scenario(other)}
    assert rows == {"自动驾驶公交接驳": 1, "医学影像云质控": 1}


def test_a_department_sees_its_drafts_and_the_platform_sees_everything(city):
    own = statistics.status_counts(statistics.department_scope(city.owner.organization_id))
    assert own == {S.DRAFT: 1, S.PUBLISHED: 1, S.CLOSED: 1, S.FINAL: 1, S.CANCELLED: 1}
    everything = statistics.status_counts(statistics.platform_scope())
    assert sum(everything.values()) == 7
    assert statistics.proposal_histogram(statistics.platform_scope()).proposals == 9
    by_department = statistics.scenarios_by_department(statistics.platform_scope())
    assert sorted(n for _name, n, _final in by_department) == [2, 5]
    assert sorted(final for _name, _n, final in by_department) == [0, 1]


def test_time_from_publication_to_result(city):
    durations = statistics.time_to_result(statistics.public_scope(), (30, 60, 90))
    assert durations.in_bucket == {1: 1}
    assert durations.count == 1
    assert abs(durations.mean_days - DAYS_TO_RESULT) < 0.01


def test_a_result_whose_announcement_has_not_started_is_not_counted(city):
    clock.travel(timedelta(days=-7))  # the day before its 公示 starts
    assert statistics.time_to_result(statistics.public_scope(), (30,)).count == 0


def test_months_are_counted_in_hangzhou_time(frozen_now, create_scenario):
    # 17:30 UTC on 31 March is 01:30 on 1 April in Hangzhou.
    clock.set_now(datetime(2026, 3, 31, 17, 30, tzinfo=UTC))
    create_scenario(state="published")
    clock.set_now(datetime(2026, 3, 31, 15, 30, tzinfo=UTC))
    create_scenario(state="published")
    since = datetime(2026, 1, 1, tzinfo=UTC)
    assert statistics.scenarios_by_month(statistics.public_scope(), since) == {"2026-03": 1, "2026-04": 1}
    assert statistics.scenarios_by_month(statistics.public_scope(), datetime(2026, 4, 1, tzinfo=UTC)) == {}


def test_catalogue_counts_only_approved_products(create_product):
    from portal.catalogue.models import Product, ProductState, ProductType

    create_product(product_type="software", year=2023)
    create_product(year=2024)
    create_product(year=2024, sector="security")
    for state in ("pending", "rejected", "revoked"):
        create_product(state=state, year=2022)
    assert statistics.public_products_by(Product.product_type) == {ProductType.SOFTWARE: 1, ProductType.EQUIPMENT: 2}
    assert statistics.public_products_by(Product.year) == {2023: 1, 2024: 2}
    assert statistics.public_products_by(Product.sector) == {"special_imaging": 2, "security": 1}
    assert statistics.products_by_state() == {ProductState.APPROVED: 3, ProductState.PENDING: 1,
                                              ProductState.REJECTED: 1, ProductState.REVOKED: 1}

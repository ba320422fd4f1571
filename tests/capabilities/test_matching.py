"""可能匹配的能力: the pure score, its reasons and order, and the box on an open scenario's page."""

import pytest

from portal.capabilities.matching import MINIMUM, Fit, Profile, rank, score

SCENARIO = Profile("industrial_vision", "machine_vision", frozenset({"滨江区"}))


def test_every_kind_of_agreement_is_a_reason():
    fit = score(SCENARIO, Profile("industrial_vision", "machine_vision", frozenset({"滨江区", "萧山区"})),
                ["缺陷检测", "缺陷检测", "产线"])
    assert fit == Fit(points=2 * 2 + 4 + 2 + 1, words=("缺陷检测", "产线"), same_field=True, same_sector=True,
                      districts=("滨江区",))


@pytest.mark.parametrize(("capability", "words", "fits"), [
    (Profile("medical_imaging", "other_field", frozenset({"滨江区"})), [], False),  # a district alone
    (Profile("industrial_vision", "other_field", frozenset()), [], False),  # a sector alone
    (Profile("industrial_vision", "other_field", frozenset({"滨江区"})), [], False),  # sector and district
    (Profile("medical_imaging", "machine_vision", frozenset()), [], True),  # the same technology field
    (Profile("medical_imaging", "other_field", frozenset()), ["缺陷", "检测"], True),  # two words in common
])
def test_a_fit_needs_more_than_a_place_or_a_sector(capability, words, fits):
    assert (score(SCENARIO, capability, words) is not None) == fits
    assert MINIMUM > 2 + 1  # sector and district together never make a fit


def test_words_count_up_to_a_cap_so_the_field_still_matters():
    many = [f"词{n}" for n in range(20)]
    wordy = score(SCENARIO, Profile("other", "other_field", frozenset()), many)
    assert wordy.points == 10


def test_a_scenario_without_a_field_matches_no_capability_by_field():
    bare = Profile("industrial_vision", None, frozenset())
    assert score(bare, Profile("medical_imaging", None, frozenset()), []) is None


def test_rank_is_best_first_then_the_given_order_and_cut_at_the_limit():
    weak = Profile("medical_imaging", "machine_vision", frozenset())
    strong = Profile("industrial_vision", "machine_vision", frozenset({"滨江区"}))
    candidates = [("a", weak, [], 0), ("b", strong, [], 1), ("c", weak, [], 2), ("d", Profile("x", "y"), [], 3)]
    assert [item for item, _fit in rank(SCENARIO, candidates, limit=2)] == ["b", "a"]
    assert [item for item, _fit in rank(SCENARIO, candidates)] == ["b", "a", "c"]


def test_an_open_scenario_page_lists_matching_approved_capabilities_with_reasons(db, client, create_scenario,
                                                                                create_capability):
    from portal import search

    shown = create_capability(title="金属表面缺陷视觉检测", districts=["滨江区"])
    hidden = create_capability("submitted", title="未审核的缺陷视觉检测")
    scenario = create_scenario(state="published", title="汽车零部件表面缺陷视觉检测", sector="industrial_vision",
                               district="滨江区")
    search.apply_pending()
    page = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert "可能匹配的能力" in page and shown.title in page and hidden.title not in page
    assert "技术领域相同" in page and "服务滨江区" in page

"""Organisation names and conflict profiles compared without a database: normalisation (portal/util/orgnames.py)
and matching of profile entries against bidders (portal/reviews/matching.py)."""

import unicodedata
from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from portal.reviews import matching
from portal.util import orgnames
from portal.util.orgnames import how_same, normalize, same_name
from portal.util.uscc import make_uscc

# Trade names (字号) are drawn from characters that begin no region and end no company form or institution word,
# so that two different draws are two different companies.
TRADE_CHARS = "睿瞳芯驰拾光澄镜穹衡慧视研明眸云智行热域数元境星小满远帆"
INDUSTRIES = ("科技", "电子", "信息技术", "智能科技", "光电科技", "微电子", "软件")
FORMS = ("有限公司", "有限责任公司", "股份有限公司", "股份公司", "集团有限公司", "")
LEADING = ("", "杭州", "杭州市", "浙江", "浙江省", "浙江省杭州市", "宁波市", "温州", "湖州市", "丽水", "上海市",
           "广东省", "北京", "内蒙古自治区", "杭州市滨江区")
BRACKETS = (("（", "）"), ("(", ")"), ("【", "】"), ("[", "]"))

trade_names = st.text(alphabet=TRADE_CHARS, min_size=2, max_size=4)


def full_width(text: str) -> str:
    """ASCII letters and digits as their full-width forms (what NFKC folds back)."""
    return "".join(chr(ord(ch) + 0xFEE0) if ch.isascii() and ch.isalnum() else ch for ch in text)


@st.composite
def spellings(draw, core):
    """One way of writing the company whose 字号 + 行业 is `core`."""
    region = draw(st.sampled_from(LEADING))
    form = draw(st.sampled_from(FORMS))
    open_, close = draw(st.sampled_from(BRACKETS))
    where = draw(st.sampled_from(["leading", "bracketed", "before_form"]))
    if where == "leading" or not region:
        name = region + core + form
    elif where == "bracketed":
        name = core + open_ + region + close + form
    else:
        name = core + region + form
    if draw(st.booleans()):
        name = full_width(name)
    if draw(st.booleans()):
        spaced = draw(st.sampled_from([" ", "\u3000", "·", "-", "　"]))
        name = spaced.join(name) if draw(st.booleans()) else f" {name} "
    return name


@given(st.text())
def test_normalising_twice_changes_nothing(text):
    once = normalize(text)
    assert normalize(once) == once


@given(st.text())
def test_the_normal_form_is_letters_and_digits_only(text):
    assert all(unicodedata.category(ch)[0] in "LN" for ch in normalize(text))


@given(trade_names, st.sampled_from(INDUSTRIES), st.data())
def test_every_spelling_of_one_company_matches_every_other(trade, industry, data):
    core = trade + industry
    a, b = data.draw(spellings(core)), data.draw(spellings(core))
    assert normalize(a) == normalize(b) == core, (a, b)
    assert same_name(a, b) and how_same(a, None, b, None) == "name"


@settings(max_examples=200)
@given(trade_names, trade_names, st.sampled_from(INDUSTRIES), st.data())
def test_companies_with_different_trade_names_never_match(first, second, industry, data):
    if first == second:
        return
    a, b = data.draw(spellings(first + industry)), data.draw(spellings(second + industry))
    assert not same_name(a, b), (a, b)


@given(st.text(alphabet=st.characters(categories=["P", "S", "Z", "C"])))
def test_a_name_without_letters_or_digits_matches_nothing(name):
    # Some symbols fold into letters (⼀, a Kangxi radical, is 一 under NFKC); those are names after all.
    assume(not any(unicodedata.category(ch)[0] in "LN" for ch in unicodedata.normalize("NFKC", name)))
    assert normalize(name) == "" and not same_name(name, name)


@pytest.mark.parametrize(("a", "b"), [
    ("杭州某某科技有限公司", "某某科技（杭州）有限责任公司"),
    ("杭州某某科技有限公司", "浙江某某科技股份有限公司"),
    ("浙江省杭州市某某科技有限公司", "某某科技股份公司"),
    ("某某科技集团有限公司", "某某科技有限公司"),
    ("ＡＢＣ智能科技（杭州）有限公司", "杭州abc智能科技有限公司"),
    ("杭州 某某 科技 有限公司", "杭州某某科技有限公司"),
    ("【杭州】某某科技有限公司", "某某科技(杭州)有限公司"),
    ("宁波某某电子有限公司", "某某电子（宁波）有限责任公司"),
    ("温州某某电子有限公司", "某某电子有限公司"),
    ("杭州市滨江区某某电子有限公司", "某某电子有限公司"),
    ("某某（中国）有限公司", "某某有限公司"),
    ("瞳芯微电子（杭州）有限责任公司", "杭州瞳芯微电子有限公司"),
    ("杭州某某科技有限公司", "某某科技（滨江）有限责任公司"),
    ("某某科技（西湖）有限公司", "某某科技（西湖区）有限公司"),
    ("某某科技（建德）有限公司", "建德市某某科技有限公司"),
])
def test_variants_of_one_name_match(a, b):
    assert same_name(a, b)


@pytest.mark.parametrize(("a", "b"), [
    ("杭州某某科技有限公司", "杭州某甲科技有限公司"),
    ("杭州某某科技有限公司", "杭州某某电子有限公司"),
    # A region that is all a public body's name stays part of it.
    ("浙江大学", "南京大学"),
    ("浙江工业大学", "北京工业大学"),
    ("杭州银行股份有限公司", "宁波银行股份有限公司"),
    ("杭州市第一人民医院", "宁波市第一人民医院"),
    ("杭州电子科技大学", "电子科技大学"),
    # 西湖 is not 西湖区.
    ("西湖大学", "大学"),
    ("西湖某某科技有限公司", "某某科技有限公司"),
    ("", ""),
])
def test_distinct_names_do_not_match(a, b):
    assert not same_name(a, b)


def test_every_zhejiang_city_and_every_province_is_ignored_at_the_start():
    for region in (*orgnames.ZHEJIANG_CITIES, *orgnames.PROVINCES):
        assert same_name(f"{region}某某科技有限公司", "某某科技有限公司"), region


def test_codes_decide_first_and_equal_names_still_match_under_different_codes():
    code, other = make_uscc("91330106MA2H3K7P1"), make_uscc("91330108MA2J5RW82")
    assert how_same("甲公司", code, "完全不同的名字", code.lower()) == "uscc"
    # A subsidiary or branch has a code of its own; the same name still counts.
    assert how_same("杭州某某科技有限公司", code, "某某科技（杭州）有限公司", other) == "name"
    assert how_same("杭州某某科技有限公司", code, "杭州某甲科技有限公司", other) is None
    assert how_same("杭州某某科技有限公司", None, "杭州某甲科技有限公司", None) is None


# --- profile entries against parties --------------------------------------------------------------

TODAY = date(2026, 3, 2)
BIDDER = matching.Party(7, "某某科技（杭州）有限责任公司", make_uscc("91330106MA2H3K7P1"))


@pytest.mark.parametrize(("until", "counts"), [
    (date(2026, 3, 1), True),
    (date(2023, 3, 2), True),  # exactly three years ago: still within
    (date(2023, 3, 1), False),
    (date(2019, 1, 1), False),
])
def test_former_employment_counts_for_three_years(until, counts):
    entry = matching.Entry(matching.FORMER_EMPLOYER, "杭州某某科技有限公司", until=until)
    assert matching.counts(entry, TODAY) is counts
    assert bool(matching.find_conflicts([entry], [BIDDER], TODAY)) is counts


def test_three_years_before_a_29_february():
    assert matching.years_before(date(2028, 2, 29), 3) == date(2025, 2, 28)


@pytest.mark.parametrize("kind", [matching.EMPLOYER, matching.SHAREHOLDING, matching.POST, matching.RELATION])
def test_every_kind_of_entry_matches_by_name_and_by_code(kind):
    by_name = matching.Entry(kind, "杭州某某科技有限公司")
    by_code = matching.Entry(kind, "另一个写法", BIDDER.uscc)
    assert [m.how for m in matching.find_conflicts([by_name, by_code], [BIDDER], TODAY)] == ["name", "uscc"]
    assert matching.first_conflict([by_name, by_code], [BIDDER], TODAY).how == "uscc"


def test_the_account_organization_matches_by_identity_alone():
    entry = matching.Entry(matching.ACCOUNT, "无关的名字", organization_id=BIDDER.organization_id)
    assert matching.first_conflict([entry], [BIDDER], TODAY).how == "organization"
    namesake = matching.Entry(matching.ACCOUNT, BIDDER.name, BIDDER.uscc, organization_id=99)
    assert matching.first_conflict([namesake], [BIDDER], TODAY) is None


def test_every_party_of_a_proposal_is_matched():
    member = matching.Party(8, "杭州星穹视界信息技术有限公司")
    entry = matching.Entry(matching.POST, "星穹视界信息技术（杭州）有限公司")
    (found,) = matching.find_conflicts([entry], [BIDDER, member], TODAY)
    assert found.party == member


@given(st.lists(st.tuples(st.sampled_from([matching.EMPLOYER, matching.SHAREHOLDING, matching.POST,
                                            matching.RELATION]), trade_names), max_size=5), trade_names)
def test_a_profile_without_the_bidders_trade_name_never_matches(entries, bidder_trade):
    bidder = matching.Party(1, f"杭州{bidder_trade}科技有限公司")
    profile = [matching.Entry(kind, f"{trade}科技有限公司") for kind, trade in entries if trade != bidder_trade]
    assert matching.find_conflicts(profile, [bidder], TODAY) == []

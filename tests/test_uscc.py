import pytest

from portal.util.uscc import USCCError, check_character, is_valid_uscc, make_uscc, normalize_uscc

# Codes whose check character was worked out by hand with GB 32100-2015's weights.
KNOWN_VALID = ["91330100799655058B", "91110000802100433B"]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_codes_are_valid(code):
    assert normalize_uscc(code) == code


def test_lower_case_and_spaces_are_normalised():
    code = make_uscc("91330106MA2H3K7L8")
    assert normalize_uscc(f"  {code.lower()} ") == code


def test_wrong_check_character_names_the_expected_one():
    code = make_uscc("91330106MA2H3K7L8")
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(USCCError, match=f"第18位应为 {code[17]}"):
        normalize_uscc(wrong)


@pytest.mark.parametrize("bad_char", ["I", "O", "Z", "S", "V", "-", "中"])
def test_letters_outside_the_alphabet_are_named(bad_char):
    code = "91330106MA2H3K7L8X"
    bad = code[:10] + bad_char + code[11:]
    with pytest.raises(USCCError, match="不允许的字符"):
        normalize_uscc(bad)


@pytest.mark.parametrize("code", ["", "9133010", "91330106MA2H3K7L8XX", "91330106MA2H3K7L"])
def test_wrong_length_says_how_long_it_is(code):
    with pytest.raises(USCCError, match=f"当前为{len(code)}位"):
        normalize_uscc(code)


def test_check_character_matches_the_standard_formula():
    body = "91330100799655058"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    total = sum(alphabet.index(c) * w for c, w in zip(body, weights, strict=True))
    assert check_character(body) == alphabet[(31 - total % 31) % 31] == "B"
    assert not is_valid_uscc(body + "C")

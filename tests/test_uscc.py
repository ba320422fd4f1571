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



def _full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) for ch in text)


@pytest.mark.parametrize("typed", [
    lambda code: _full_width(code),  # as a Chinese input method types it
    lambda code: "\u3000" + _full_width(code.lower()) + "\u3000",  # full-width lower case, ideographic spaces
    lambda code: code[:9] + _full_width(code[9:]),  # half and half
])
def test_full_width_digits_and_letters_are_converted_before_checking(typed):
    # They are the same code, not "characters not allowed": NFKC turns them into the ASCII the standard means.
    for code in KNOWN_VALID:
        assert normalize_uscc(typed(code)) == code
    assert is_valid_uscc(_full_width(KNOWN_VALID[0]))


def test_a_full_width_code_with_a_wrong_check_character_names_the_check_not_the_characters():
    code = KNOWN_VALID[0]
    wrong = code[:17] + ("A" if code[17] != "A" else "B")
    with pytest.raises(USCCError) as error:
        normalize_uscc(_full_width(wrong))
    assert error.value.kind == "check"

"""Masking of contacts' personal information (个人信息保护法): the rules of portal/util/masking.py."""

import pytest

from portal.util.masking import contact, mask_email, mask_name, mask_phone


@pytest.mark.parametrize(("name", "masked"), [
    ("张", "*"), ("张明", "张*"), ("张三明", "张*明"), ("欧阳明华", "欧**华"), ("爱新觉罗溥仪", "爱****仪"),
    ("  李强 ", "李*"), ("", ""), (None, ""), ("Li", "L*"), ("Wang Fang", "W*******g"),
])
def test_names_keep_the_surname_and_the_last_character(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(("phone", "masked"), [
    ("13812341234", "138****1234"),
    ("138 1234 1234", "138****1234"),
    ("138-1234-1234", "138****1234"),
    ("+86 13812341234", "+86 138****1234"),
    ("+86-138-1234-1234", "+86 138****1234"),
    ("8613812341234", "+86 138****1234"),
    ("0571-87654321", "0571-****4321"),
    ("057187654321", "0571-****4321"),
    ("(0571)87654321", "0571-****4321"),
    ("010-6543210", "010-***3210"),
    ("+86 571 87654321", "*********4321"),  # not a form we know: only the last four digits remain
    ("0571-87654321-808", "0571-****4321"),
    ("12345", "****2345"),
    ("", ""), (None, ""),
])
def test_phones_keep_only_what_identifies_the_line_not_the_person(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(("email", "masked"), [
    ("zhang.ming@example.com", "z***@example.com"), ("a@b.cn", "a***@b.cn"), ("", ""), (None, ""),
    ("no-at-sign", "***"),
])
def test_email_keeps_the_first_character_and_the_domain(email, masked):
    assert mask_email(email) == masked


@pytest.mark.parametrize("phone", ["13812341234", "+86 138 1234 1234", "0571-87654321", "010-6543210", "400-800-1234"])
def test_no_masked_phone_can_be_dialled(phone):
    digits = "".join(c for c in phone if c.isdigit())
    masked = mask_phone(phone)
    assert digits[-8:] not in "".join(c for c in masked if c.isdigit()) and masked.count("*") >= 3


def test_a_contact_is_whole_only_when_asked():
    assert contact("欧阳建华", "13812345678", "j@x.cn", full=True) == {
        "name": "欧阳建华", "phone": "13812345678", "email": "j@x.cn"}
    assert contact("欧阳建华", "13812345678", None, full=False) == {"name": "欧**华", "phone": "138****5678",
                                                                   "email": None}

"""The domain thesaurus ships as data, parses, and refuses malformed entries with a clear reason."""

import pytest

from portal.catalogue import thesaurus


def test_the_shipped_thesaurus_has_several_hundred_checked_entries_of_every_kind():
    entries = thesaurus.load()
    assert len(entries) >= 300
    assert {e.kind for e in entries} == thesaurus.KINDS
    assert all(e.source for e in entries)


@pytest.mark.parametrize("term, word", [
    ("AGV", "自动导引车"), ("自动导引车", "AGV"), ("MRI", "磁共振成像"), ("CNC", "数控"),
    ("IGBT", "绝缘栅双极型晶体管"), ("SCR", "选择性催化还原"), ("阀门", "蝶阀"), ("起重机械", "门式起重机"),
    ("农业机械", "插秧机"), ("tunnel boring machine", "盾构机"), ("agv", "自动导引车"),
])
def test_buyer_words_expand_to_product_words(term, word):
    assert word in thesaurus.expansions(term)


def test_an_unknown_term_expands_to_nothing():
    assert thesaurus.expansions("量子纠缠咖啡机") == ()


GOOD = '[[entry]]\nterm = "阀门"\nexpands = ["球阀"]\nkind = "hypernym"\nsource = "GB/T 4754"\n'


@pytest.mark.parametrize("text, error", [
    (GOOD.replace('"hypernym"', '"synonym"'), "kind 'synonym'"),
    (GOOD.replace('["球阀"]', "[]"), "non-empty list"),
    (GOOD.replace('["球阀"]', '["阀门"]'), "repeats the term"),
    (GOOD.replace('["球阀"]', '["球阀", "球阀"]'), "duplicates"),
    (GOOD.replace('source = "GB/T 4754"\n', ""), "missing"),
    (GOOD.replace('source = "GB/T 4754"', 'source = ""'), "where the entry comes from"),
    (GOOD + GOOD, "already appear at entry 1"),
    (GOOD + "[extra]\n", "unknown top-level"),
    ("", "no entries"),
    ("[[entry]\n", "not valid TOML"),
])
def test_a_malformed_entry_is_refused_naming_the_entry(text, error):
    with pytest.raises(thesaurus.ThesaurusError, match=error):
        thesaurus.parse(text)

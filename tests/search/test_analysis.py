"""The analyzers: jieba words at consecutive positions, character bigrams, and query parsing."""

import pickle

import pytest
from whoosh.fields import TEXT

from portal.search import engine
from portal.search.analysis import (
    TermText,
    base_words,
    bigram_analyzer,
    bigrams,
    chinese_analyzer,
    clean,
    pair_analyzer,
    phrase_pairs,
    segment,
    word_pairs,
)
from portal.search.synonyms import SynonymError, expand, parse, table_for


def test_words_and_their_parts_share_positions_so_phrases_line_up():
    tokens = segment("电力巡检红外热成像无人机吊舱")
    positions = {word: pos for word, pos, _s, _e in tokens}
    assert positions["无人机"] == positions["无人"] == positions["人机"]
    assert positions["电力"] + 1 == positions["巡检"]
    assert [w for w, _p, _s, _e in tokens if w == "红外"], "the search-mode part 红外 is indexed too"


def test_word_pairs_join_words_at_consecutive_positions_parts_included():
    pairs = {pair for pair, _p, _s, _e in word_pairs("无人机巡检，表面的检测")}
    assert {"无人机 巡检", "无人 巡检", "人机 巡检"} <= pairs
    assert "表面 检测" not in pairs, "a stop word between them still takes a position"
    assert phrase_pairs(base_words("无人机巡检")) == ["无人机 巡检"]


def test_model_numbers_and_full_width_text_are_normalized():
    assert clean("ＩＲ－６４０Ｕ") == "IR-640U"
    assert clean("红外\n热像\t仪\x00") == "红外 热像 仪 ", "control characters become spaces"
    texts = [t.text for t in chinese_analyzer()("IR-640U 非制冷红外热像仪")]
    assert {"ir-640u", "ir", "640u", "红外", "热像仪"} <= set(texts)


def test_bigrams_cover_every_pair_of_characters():
    assert bigrams("红外热像仪") == ["红外", "外热", "热像", "像仪"]
    assert bigrams("仪") == ["仪"]
    # The index also holds each run's last character (a name's head), at the position of its last pair.
    assert [(t.text, t.pos) for t in bigram_analyzer()("热像仪 球阀", positions=True)] == [
        ("热像", 0), ("像仪", 1), ("仪", 1), ("球阀", 2), ("阀", 2)]


def test_analyzers_pickle_by_their_import_path():
    # Whoosh stores the schema pickled inside the index; the classes must be importable by name.
    restored = pickle.loads(pickle.dumps(chinese_analyzer()))  # noqa: S301 -- our own bytes
    assert [t.text for t in restored("热像仪")] == ["热像仪"]


def test_stop_words_and_punctuation_are_not_words():
    assert base_words("用于电力的巡检，和测温。") == ["用于", "电力", "巡检", "测温"]


def test_query_parsing_keeps_phrases_and_drops_operators_and_noise():
    words = engine.parse('红外 AND "热成像 摄像机" OR NOT ((( “缺陷检测” \x00\x07 -')
    assert [(w.text, w.phrase) for w in words] == [("热成像 摄像机", True), ("缺陷检测", True), ("红外", False)]
    assert engine.parse("") == [] and engine.parse('"""') == [] and engine.parse("AND OR NOT") == []
    assert len(engine.parse("热像仪 " * 5000)) == 1
    assert len(engine.parse(" ".join(f"词{i}" for i in range(50)))) == engine.MAX_WORDS


def test_synonym_table_reads_both_forms_and_names_a_bad_line():
    table = parse("# comment\n盾构机, 隧道掘进机, TBM\n红外 => 热成像\n")
    assert table["盾构机"] == {"隧道掘进机", "TBM"} and table["tbm"] == {"盾构机", "隧道掘进机"}
    assert table["红外"] == {"热成像"} and "热成像" not in table
    try:
        parse("盾构机\n")
    except SynonymError as error:
        assert "第 1 行" in str(error)
    else:
        raise AssertionError("a one-word group must be refused")


def test_shipped_table_is_broad_and_extended_by_the_administrators_table():
    shipped = table_for(None)
    for buyer_word, catalogue_word in [("自动导引车", "无人搬运车"), ("监控摄像头", "网络摄像机"), ("头显", "VR一体机"),
                                       ("盾构机", "隧道掘进机"), ("LNG", "液化天然气"), ("无损探伤", "无损检测")]:
        assert catalogue_word in expand(buyer_word, shipped), buyer_word
    assert len(shipped) > 300
    assert expand("光刻机", table_for("光刻机, 曝光机\n")) == ("曝光机",)
    broken = table_for("broken line without comma\n")
    assert expand("光刻机", broken) == () and expand("盾构机", broken) == expand("盾构机", shipped)


def test_highlight_escapes_html_and_marks_matches():
    marked = engine.highlight("<b>红外</b>热像仪", ["热像仪", "红外"])
    assert str(marked) == "&lt;b&gt;<mark>红外</mark>&lt;/b&gt;<mark>热像仪</mark>"
    text = "前言" * 100 + "红外热像仪" + "后记" * 100
    snippet = str(engine.snippet(text, ["热像仪"], width=40))
    assert snippet.startswith("…") and snippet.endswith("…") and "<mark>热像仪</mark>" in snippet


@pytest.mark.parametrize("make, phrase", [(chinese_analyzer, True), (chinese_analyzer, False),
                                          (bigram_analyzer, True), (pair_analyzer, False)])
def test_a_field_indexes_the_same_postings_as_whoosh_makes_from_its_analyzer(make, phrase):
    texts = ["IR-640U 非制冷红外热像仪", "支持表面检测和缺陷分类，检测精度0.05毫米；检测速度快", "",
             "ＧＲＴ２００ 盾构机 盾构机",
             "A" * 70 + " 无人机 无人机巡检系统用于变电站和输电线路的自主巡检，巡检机器人"]
    for text in texts:
        ours = TermText(analyzer=make(), phrase=phrase)
        whoosh = TEXT(analyzer=make(), phrase=phrase)
        assert sorted(ours.index(text)) == sorted(whoosh.index(text)), text

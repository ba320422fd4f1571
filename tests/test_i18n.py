"""Languages: Chinese by default, English on request, and an English catalogue that covers every message."""

import html
import os
import re
import tempfile
from collections import Counter

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from portal.config import ROOT

TRANSLATIONS = ROOT / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
ENGLISH_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
ENGLISH_MO = ENGLISH_PO.with_suffix(".mo")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}

# printf-style conversions, named or not; "%%" is a literal percent sign.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrs%]")

pytestmark = pytest.mark.usefixtures("english_catalogue")


def read_catalogue(path):
    with open(path, "rb") as f:
        return read_po(f)


def placeholders(text: str) -> Counter:
    return Counter(p for p in PLACEHOLDER.findall(text) if p != "%%")


@pytest.fixture(scope="session")
def compiled_catalogue():
    """Compile the English catalogue when `make translations` has not (a fresh clone) or is out of date."""
    if not ENGLISH_MO.exists() or ENGLISH_MO.stat().st_mtime < ENGLISH_PO.stat().st_mtime:
        catalogue = read_catalogue(ENGLISH_PO)
        fd, tmp = tempfile.mkstemp(dir=ENGLISH_MO.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as f:
            write_mo(f, catalogue)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; make it readable like `pybabel compile` does
        os.replace(tmp, ENGLISH_MO)  # atomic, so a parallel worker never reads half a file
    return ENGLISH_MO


@pytest.fixture
def english_catalogue(app, compiled_catalogue):
    # Flask-Babel keeps loaded catalogues per app; drop any read before the .mo existed.
    app.extensions["babel"].instance.domain_instance.cache.clear()
    return compiled_catalogue


def choose(client, code: str, next_url: str | None = None):
    return client.get(f"/lang/{code}", query_string={"next": next_url} if next_url else None)


def test_chinese_is_the_default(client):
    page = client.get("/").text

    assert '<html lang="zh-CN">' in page
    assert "应用场景" in page and "机会清单" in page and "登录" in page
    assert ">Scenarios<" not in page and "Log in" not in page


def test_english_is_chosen_for_the_session_and_chinese_chosen_back(client):
    assert choose(client, "en").status_code == 302

    page = client.get("/").text
    assert '<html lang="en">' in page
    assert ">Scenarios<" in page and ">Opportunity lists<" in page and ">Log in<" in page
    assert "Xinghui Hangzhou Scenario Opportunity Portal" in page
    assert "应用场景" not in page and "登录" not in page
    assert 'href="/lang/zh_CN' in page, "the switch offers the way back"

    assert client.get("/login").text.count("Log in") >= 1, "the choice holds on the next pages"

    choose(client, "zh_CN")
    page = client.get("/").text
    assert '<html lang="zh-CN">' in page and "应用场景" in page and ">Scenarios<" not in page


def test_an_unknown_language_is_not_found_and_changes_nothing(client):
    assert choose(client, "xx").status_code == 404
    assert '<html lang="zh-CN">' in client.get("/").text


@pytest.mark.parametrize(("next_url", "landing"), [
    (None, "/"),
    ("/scenarios?sector=medical_imaging", "/scenarios?sector=medical_imaging"),
    ("https://evil.example", "/"),
    ("https://evil.example/scenarios", "/"),
    ("//evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("scenarios", "/"),
])
def test_the_switch_returns_only_to_local_paths(client, next_url, landing):
    response = choose(client, "en", next_url)

    assert response.status_code == 302
    assert response.location == landing


def test_sector_and_district_labels_follow_the_language(client, create_scenario):
    scenario = create_scenario(state="published", sector="medical_imaging", district="西湖区")

    chinese = client.get(f"/scenarios/{scenario.id}").text
    assert "医学影像" in chinese and "西湖区" in chinese

    choose(client, "en")
    english = client.get(f"/scenarios/{scenario.id}").text
    assert "Medical imaging" in english and "Xihu District" in english
    assert "Open for proposals" in english
    assert "医学影像" not in english and "西湖区" not in english


def test_sector_and_district_filters_are_listed_in_english(client):
    choose(client, "en")
    page = html.unescape(client.get("/scenarios").text)

    for label in ("Digital security", "Smart living & office", "VR & metaverse", "Other / cross-sector",
                  "Lin'an District", "Chun'an County", "Jiande City", "Open for proposals", "Awarded"):
        assert label in page


def test_form_errors_are_in_the_chosen_language(client):
    chinese = client.post("/login", data={}).text
    assert "请填写邮箱。" in chinese and "请填写密码。" in chinese

    choose(client, "en")
    english = client.post("/login", data={}).text
    assert "Enter your email." in english and "Enter your password." in english
    assert "请填写邮箱。" not in english


def test_every_template_message_has_an_english_translation():
    english = read_catalogue(ENGLISH_PO)
    template = read_catalogue(TEMPLATE)
    ids = [m.id for m in template if m.id]
    assert ids, "the template catalogue is empty"

    problems = []
    for msgid in ids:
        message = english.get(msgid)
        if message is None or not message.string:
            problems.append(f"untranslated: {msgid!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        else:
            for source, text in zip(_forms(msgid), _forms(message.string), strict=False):
                if placeholders(source) != placeholders(text):
                    problems.append(f"placeholders differ: {msgid!r} -> {text!r}")
    assert not problems, "\n".join(problems)
    assert not english.fuzzy, "the catalogue header is marked fuzzy, so it would not be compiled"


def test_every_message_in_the_code_is_in_the_catalogue():
    """A string marked in code or templates but never extracted would show in Chinese to English readers."""
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = {msgid if isinstance(msgid, str) else msgid[0]
             for _file, _line, msgid, _comments, _context in
             extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS)}
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in read_catalogue(ENGLISH_PO) if m.id and m.string}

    missing = sorted(found - translated)
    assert not missing, ("not yet translated; run the `pybabel extract` and `pybabel update` commands and "
                         "translate the new entries:\n" + "\n".join(missing))


def _forms(value):
    return list(value) if isinstance(value, tuple | list) else [value]


def test_the_app_reads_the_catalogue_checked_here(app):
    assert app.config["BABEL_DEFAULT_LOCALE"] == "zh_CN"
    assert set(app.config["LANGUAGES"]) == {"zh_CN", "en"}
    assert os.path.samefile(app.config["BABEL_TRANSLATION_DIRECTORIES"], TRANSLATIONS)

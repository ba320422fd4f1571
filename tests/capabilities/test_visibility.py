"""Only approved capabilities are public: drafts, submitted, returned and withdrawn ones never appear in the
list, the detail page, the API, the feed or search (on either search backend), and on both databases."""

import pytest

from portal import search
from portal.capabilities.models import CapabilityState as S
from portal.capabilities.search_documents import CAPABILITY

pytestmark = pytest.mark.both_databases

HIDDEN = [S.DRAFT, S.SUBMITTED, S.RETURNED, S.WITHDRAWN]


@pytest.fixture
def every_state(db, create_capability):
    """One capability in each state, each with a title of its own word, and the index brought up to date."""
    made = {state: create_capability(state, title=f"{state.label}缺陷检测能力{word}")
            for state, word in zip(S, ["甲型", "乙型", "丙型", "丁型", "戊型"], strict=True)}
    search.apply_pending()
    return made


@pytest.mark.parametrize("state", HIDDEN)
def test_an_unapproved_capability_is_never_public(client, every_state, state):
    hidden, shown = every_state[state], every_state[S.APPROVED]
    listing = client.get("/capabilities").get_data(as_text=True)
    assert shown.title in listing and hidden.title not in listing
    assert client.get(f"/capabilities/{hidden.id}").status_code == 404
    assert client.get(f"/api/v1/capabilities/{hidden.id}").status_code == 404
    api = client.get("/api/v1/capabilities").json
    assert [item["id"] for item in api["items"]] == [shown.id]
    feed = client.get("/feeds/capabilities.atom").get_data(as_text=True)
    assert shown.title in feed and hidden.title not in feed
    searched = client.get("/capabilities", query_string={"q": "缺陷检测"}).get_data(as_text=True)
    assert shown.title in searched and hidden.title not in searched


@pytest.mark.parametrize("backend", ["whoosh", "postgresql"])
def test_search_finds_the_approved_capability_and_never_an_unapproved_one(app, db, every_state, backend):
    if backend == "postgresql" and db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL search backend needs PostgreSQL")
    app.config["SEARCH_BACKEND"] = backend
    try:
        if backend == "postgresql":
            search.rebuild()
        found = search.query(CAPABILITY, "缺陷检测", per_page=50)
        assert [hit.id for hit in found.items] == [every_state[S.APPROVED].id]
        # A word of its 技术领域 label, which its own text never says, finds it through the tags.
        assert [hit.id for hit in search.query(CAPABILITY, "机器视觉检测").items] == [every_state[S.APPROVED].id]
        for state in HIDDEN:
            word = every_state[state].title[-2:]
            assert search.query(CAPABILITY, word).items == [], (state, word)
    finally:
        app.config["SEARCH_BACKEND"] = "whoosh"


def test_withdrawing_an_approved_capability_takes_it_out_of_search(db, every_state):
    from portal.capabilities import operations

    approved = every_state[S.APPROVED]
    operations.withdraw_capability(approved, approved.created_by)
    db.session.commit()
    search.apply_pending()
    assert search.query(CAPABILITY, "缺陷检测").items == []


def test_the_contact_person_is_shown_to_the_enterprise_and_reviewers_only(client, login_as, every_state,
                                                                         create_user):
    from portal.accounts.models import Role

    shown = every_state[S.APPROVED]
    public = client.get(f"/capabilities/{shown.id}").get_data(as_text=True)
    assert shown.organization.name in public
    assert "张工" not in public and "0571-88886666" not in public and "zhang@example.com" not in public
    login_as(shown.created_by)
    assert "0571-88886666" in client.get(f"/capabilities/{shown.id}").get_data(as_text=True)
    login_as(create_user(Role.GOVERNMENT))
    assert "0571-88886666" in client.get(f"/capabilities/{shown.id}").get_data(as_text=True)
    api = client.get(f"/api/v1/capabilities/{shown.id}").get_data(as_text=True)
    assert "0571-88886666" not in api and "张工" not in api


def test_drafts_are_the_enterprises_alone_until_submitted(client, login_as, every_state, create_user):
    from portal.accounts.models import Role

    draft = every_state[S.DRAFT]
    for role in (Role.GOVERNMENT, Role.ADMIN, Role.REVIEWER, Role.ENTERPRISE):
        login_as(create_user(role))
        assert client.get(f"/capabilities/{draft.id}").status_code == 404, role
    login_as(draft.created_by)
    assert client.get(f"/capabilities/{draft.id}").status_code == 200

"""Audit records keep the seal: until the deadline nothing in the audit log — the admin's page, any other page
or export, the raw database row — says who bid on a scenario or what they bid; after it the records read as
before. The chain covers the sealed form, so it verifies without the seal key."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text

from portal import audit
from portal.accounts.models import Role
from portal.audit import AuditRecord, envelope
from portal.extensions import db as _db
from portal.permissions import is_sealed
from portal.proposals.models import Proposal
from portal.scenarios.models import ScenarioState
from portal.util import clock
from tests.access import collect
from tests.proposals.conftest import form_data, pdf_upload

TITLE, FILE, PRICE = "夜视巡检秘密方案甲", "机密附件-报价单.pdf", "4321.09"
AGENT, ADDRESS = "MifengBrowser/7.3", "10.9.8.7"
CONTENT = (TITLE, FILE, PRICE, AGENT, ADDRESS)
SEALED_ACTIONS = ["proposal.create", "proposal.save", "proposal.save", "proposal.submit", "proposal.save",
                  "proposal.submit", "proposal.attachment_remove", "proposal.withdraw"]


def bid(client, login_as, user, scenario):
    """Everything a bidder does to its proposal, through the browser: draft with a file, submit, amend, remove
    the file, withdraw."""
    login_as(user)
    client.environ_base.update(HTTP_USER_AGENT=AGENT, REMOTE_ADDR=ADDRESS)
    url = f"/scenarios/{scenario.id}/proposal"
    for data in (form_data("save", title=TITLE, price=PRICE, files=[pdf_upload(FILE)]),
                 form_data("submit", title=TITLE, price=PRICE),
                 form_data("submit", title=TITLE, price="4321.10")):
        assert client.post(url, data=data, content_type="multipart/form-data").status_code == 302
    proposal = _db.session.scalar(select(Proposal).where(Proposal.scenario_id == scenario.id))
    attachment = proposal.attachments[0]
    assert client.post(f"/proposals/{proposal.id}/attachments/{attachment.id}/remove").status_code == 302
    assert client.post(f"/proposals/{proposal.id}/withdraw").status_code == 302
    client.environ_base.pop("HTTP_USER_AGENT")
    client.environ_base.pop("REMOTE_ADDR")
    return proposal


@pytest.fixture
def sealed_bid(app, client, login_as, frozen_now, create_org, create_user, create_scenario):
    org = create_org(name="杭州密封测试光电科技有限公司")
    bidder = create_user(Role.ENTERPRISE, org=org, email="bidder@mifeng.cn")
    scenario = create_scenario(state="published", deadline=clock.now() + timedelta(days=3))
    proposal = bid(client, login_as, bidder, scenario)
    admin = create_user(Role.ADMIN, email="admin@portal.cn")
    login_as(admin)
    return SimpleNamespace(scenario=scenario, proposal=proposal, bidder=bidder, admin=admin,
                           names=(org.name, bidder.email, bidder.name))


def audit_page(client, **filters):
    response = client.get("/admin/audit", query_string=filters)
    assert response.status_code == 200
    return response.text


def pass_the_deadline(scenario):
    clock.set_now(scenario.deadline + timedelta(hours=1))


def test_sealed_records_store_nothing_that_names_the_bidder_or_the_content(app, db, sealed_bid):
    everything = db.session.execute(text("SELECT * FROM audit_records ORDER BY seq")).mappings().all()
    rows = [r for r in everything if r["action"].startswith("proposal.")]
    assert [r["action"] for r in rows] == SEALED_ACTIONS
    for row in rows:
        assert (row["actor_id"], row["object_id"], row["ip"], row["user_agent"]) == (None, None, None, None)
        assert row["object_type"] == "Proposal" and row["sealed_scenario_id"] == sealed_bid.scenario.id
        assert row["sealed"].startswith("v1.")
    stored = repr([dict(r) for r in everything])
    for secret in (*CONTENT, *sealed_bid.names):
        assert secret not in stored
    assert audit.verify(db.session).ok


@pytest.mark.parametrize("filters", [{}, {"action": "proposal."}, {"object_type": "Proposal"},
                                     {"actor": "bidder@mifeng.cn"}, {"actor": "BIDDER@mifeng.cn "}])
def test_the_admin_sees_sealed_records_as_sealed_under_every_filter(app, client, sealed_bid, filters):
    page = audit_page(client, **filters)
    typed = filters.get("actor", "").strip().lower()  # the page repeats what the admin typed
    for secret in (*CONTENT, *sealed_bid.names, f"Proposal #{sealed_bid.proposal.id}"):
        assert secret == typed or secret not in page
    if "actor" in filters:
        assert "共 0 条记录" in page  # never matched by the actor hidden inside
    else:
        assert page.count("密封中") >= len(SEALED_ACTIONS) and "<code>proposal.submit</code>" in page


def test_after_the_deadline_the_records_read_as_before(app, client, sealed_bid):
    pass_the_deadline(sealed_bid.scenario)
    page = audit_page(client)
    assert "密封中" not in page
    assert page.count("bidder@mifeng.cn") == len(SEALED_ACTIONS)
    assert FILE in page and ADDRESS in page and f"Proposal #{sealed_bid.proposal.id}" in page
    by_actor = audit_page(client, actor="bidder@mifeng.cn")
    assert f"共 {len(SEALED_ACTIONS)} 条记录" in by_actor


def scenario_in(state, scenario):
    """Put the scenario in a state both versions of `is_sealed` agree on (see the cancelled case below)."""
    deadline = scenario.deadline
    if state == "open":
        return True
    if state == "deadline passed":
        pass_the_deadline(scenario)
    elif state == "closed":
        scenario.state = ScenarioState.CLOSED
        pass_the_deadline(scenario)
    elif state == "cancelled after the deadline":
        pass_the_deadline(scenario)
        scenario.state, scenario.cancelled_at, scenario.cancel_reason = (ScenarioState.CANCELLED,
                                                                        deadline + timedelta(minutes=5), "需求调整")
        clock.set_now(deadline + timedelta(days=30))
    _db.session.commit()
    return False


@pytest.mark.parametrize("state", ["open", "deadline passed", "closed", "cancelled after the deadline"])
def test_the_admin_page_opens_a_record_exactly_when_is_sealed_says_its_scenario_is_no_longer_sealed(
        app, client, sealed_bid, state):
    expected_sealed = scenario_in(state, sealed_bid.scenario)
    assert is_sealed(sealed_bid.scenario) is expected_sealed
    page = audit_page(client)
    assert ("密封中" in page) is expected_sealed
    assert (FILE in page) is not expected_sealed
    assert ("bidder@mifeng.cn" in page) is not expected_sealed


def test_a_scenario_cancelled_before_its_deadline_keeps_its_bids_audit_records_sealed_forever(
        app, db, client, sealed_bid):
    # Needs `is_sealed` to hold for a scenario cancelled before its deadline (cancelled_at < deadline).
    scenario = sealed_bid.scenario
    scenario.state, scenario.cancelled_at, scenario.cancel_reason = (
        ScenarioState.CANCELLED, scenario.deadline - timedelta(days=1), "需求调整")
    db.session.commit()
    clock.set_now(scenario.deadline + timedelta(days=400))
    page = audit_page(client)
    assert "密封中" in page
    for secret in (*CONTENT, *sealed_bid.names):
        assert secret not in page
    assert "共 0 条记录" in audit_page(client, actor="bidder@mifeng.cn")


def test_the_chain_verifies_without_the_seal_key_and_another_key_reads_as_unreadable(app, db, client, sealed_bid):
    pass_the_deadline(sealed_bid.scenario)
    app.config["AUDIT_SEAL_KEY"] = "a key the records were not sealed with"
    assert audit.verify(db.session).ok
    page = audit_page(client)
    assert page.count("无法解密") >= len(SEALED_ACTIONS)
    for secret in (*CONTENT, *sealed_bid.names):
        assert secret not in page


def test_a_sealed_record_moved_to_another_scenario_cannot_be_opened(app, db, sealed_bid, create_scenario):
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "proposal.submit"))
    record.sealed_scenario_id = create_scenario().id
    with pytest.raises(envelope.EnvelopeError):
        audit.reveal(record)


def test_actions_after_the_seal_has_lifted_are_recorded_in_the_clear(app, db, frozen_now, create_user,
                                                                     create_scenario):
    scenario = create_scenario(state="closed")
    reader = create_user(Role.GOVERNMENT)
    entry = audit.record(reader, "proposal.read", scenario, sealed_by=scenario, what="list")
    db.session.commit()
    assert (entry.actor_id, entry.sealed, entry.details) == (reader.id, None, {"what": "list"})


@pytest.mark.parametrize("name", ["a.pdf", "一个相当长的附件名称" * 4 + ".pdf", "名" * 116 + ".pdf"])
def test_the_sealed_form_does_not_give_away_the_length_of_a_file_name(app, name):
    sealed = envelope.seal({"details": {"attachments": [name]}}, action="proposal.save", scenario_id=1)
    short = envelope.seal({"details": {"attachments": ["b.pdf"]}}, action="proposal.save", scenario_id=1)
    assert len(sealed) == len(short)


NOT_THE_BIDDER = ["anonymous", "pending_enterprise", "reviewer", "department", "other_department", "admin"]


@pytest.mark.parametrize("role", NOT_THE_BIDDER)
def test_no_page_export_or_api_answer_shows_a_sealed_bids_content_to_anyone_but_the_bidder(
        app, client, login_as, world, frozen_now, role):
    scenario = _db.session.get(type(world.fixture("create_scenario")()), world.objects["published_scenario"])
    scenario.deadline = clock.now() + timedelta(days=3)
    _db.session.commit()
    bid(client, login_as, world.users["enterprise"], scenario)
    client.delete_cookie("session", domain="localhost")
    if world.users[role] is not None:
        login_as(world.users[role])
    rows, _builders = collect()
    seen = 0
    for endpoint, (method, args, _outcomes) in sorted(rows.items()):
        if method != "GET":
            continue
        response = client.get(world.url_for(endpoint, args))
        body = response.get_data() if response.status_code == 200 else b""
        response.close()
        for secret in CONTENT:
            assert secret.encode() not in body, f"{endpoint} shows {secret!r} to {role}"
        seen += response.status_code == 200
    assert seen > 10

"""Sealed bids, as an invariant over every scenario state × every role × every channel.

The rule (Scenario.bids_unsealed): a proposal's content and its bidder's identity are readable by anyone other than
the bidder only once the deadline has passed on a scenario that was not cancelled before it.

For each state a scenario gets a submission whose bidder name, title, texts, price and attachment file name carry
marker strings. Then every role fetches every GET route of the app that can be pointed at that scenario, its
proposal, attachment, receipt or review (enumerated from the URL map, so a new route is covered by itself), plus
search, and reads its inbox; finally the e-mail is delivered and read per recipient. The markers each role saw,
over all channels, must be exactly the expected ones.
"""

import html
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest
from flask import url_for
from sqlalchemy import select

from portal.accounts.models import OrgKind, Role
from portal.announcements import operations as announcement_ops
from portal.errors import DomainError
from portal.notifications.mail import deliver_pending
from portal.proposals import operations as proposal_ops
from portal.proposals.models import Proposal, ProposalState
from portal.reviews import conflicts
from portal.reviews import operations as review_ops
from portal.reviews import queries as review_queries
from portal.reviews import setup as review_setup
from portal.scenarios import operations as scenario_ops
from portal.scenarios.lifecycle import TRANSITIONS
from portal.scenarios.models import Scenario, ScenarioState
from portal.util import clock
from tests.announcements import helpers as announcement_helpers
from tests.factories import mails
from tests.reviews import helpers

MARKERS = {
    "name": "MKNAME7Q",
    "title": "MKTITLE7Q",
    "summary": "MKSUMMARY7Q",
    "approach": "MKAPPROACH7Q",
    "team": "MKTEAM7Q",
    "cases": "MKCASES7Q",
    "price": "613.47",
    "file": "MKFILE7Q",
}
ALL = frozenset(MARKERS)
# What a reviewer reads in a blind review (the default): the content, never the bidder or the file's own name.
BLIND_CONTENT = frozenset({"title", "summary", "approach", "team", "cases", "price"})
# 公示 names the winning bidder and its proposal's title, for anyone.
RESULT = frozenset({"name", "title"})
NOTHING = frozenset()

ROLES = ["anonymous", "bidder", "rival", "department", "other_department", "assigned_reviewer", "idle_reviewer",
         "admin"]

STATES = ["draft", "published", "past_deadline", "closed", "under_review", "decided", "announced", "final",
          "cancelled_before_deadline", "cancelled_from_closed", "cancelled_from_under_review", "cancelled_from_decided",
          "cancelled_from_announced"]
SEALED_STATES = {"draft", "published", "cancelled_before_deadline"}
REVIEWING_STATES = {"under_review", "decided", "announced", "final"}
# Our bidder wins; its name and title are public from the start of 公示 (scenario page, announcement, results, API).
WINNER_PUBLIC = {"announced", "final", "cancelled_from_announced"}

# URL arguments this test can fill from the world; a route needing any other one is not about our scenario.
ARGUMENTS = {"scenario_id", "proposal_id", "attachment_id", "receipt_no", "number", "review_id", "position",
             "batch_id", "org_id", "kind", "fmt"}
# The index is one for everybody and search answers every role alike: these roles ask it (saving time).
SEARCHERS = {"anonymous", "department", "assigned_reviewer"}
# Pages that list every organization of the platform by name, bid or no bid (the admin's account directory):
# a name there says nothing about a bid, so only the content markers are checked on them.
DIRECTORIES = {"admin.users", "admin.enterprises", "catalogue.show_enterprise"}
# Channels the enumeration must reach, so that it can never shrink unnoticed.
MUST_REACH = {"scenarios.show_scenario", "scenarios.show_batch", "scenarios.download_scenarios",
              "scenarios.feed_atom", "scenarios.feed_ical", "manage.preview_scenario", "manage.show_batch",
              "submissions.scenario_proposals", "submissions.show_submission", "receipts.download_attachment",
              "proposals.show_proposal", "proposals.show_version", "proposals.receipt", "proposals.my_proposals",
              "review_manage.setup", "review_manage.ranking", "review_manage.export", "announcement_manage.decide",
              "announcements.show_announcement", "announcements.results", "announcements.results_xlsx",
              "api.show_scenario", "api.list_scenarios", "api.list_results", "dashboard.show_public",
              "dashboard_department.show_department", "dashboard_admin.show_platform", "notifications.inbox",
              "reviewing.workspace", "main.home", "search:name"}
# Routes left out of the enumeration (none: the audit log is in it, its sealed records included).
ELSEWHERE: set[str] = set()
# The platform admin's audit log names the attachments a bidder uploaded, once the seal has lifted.
AUDIT_TRAIL = frozenset({"file"})


def expected(role: str, state: str) -> frozenset:
    """The markers `role` may see, over all channels, when the scenario is in `state`."""
    public = RESULT if state in WINNER_PUBLIC else NOTHING
    if role == "bidder":
        return ALL
    if role == "department":
        return NOTHING if state in SEALED_STATES else ALL
    if role == "assigned_reviewer" and state in REVIEWING_STATES:
        return BLIND_CONTENT | public
    if role == "admin" and state not in SEALED_STATES:
        return AUDIT_TRAIL | public
    return public


def test_the_expectations_never_exceed_the_rule():
    """Whatever the table above says, nobody but the bidder sees anything of a sealed scenario."""
    for state in SEALED_STATES:
        assert all(expected(role, state) == NOTHING for role in ROLES if role != "bidder")


# --- the world of one state --------------------------------------------------------------------------------------

class World:
    def __init__(self, state, users, scenario, proposal, version, review):
        self.state, self.users, self.scenario = state, users, scenario
        self.proposal, self.version, self.review = proposal, version, review


@pytest.fixture
def build(app, db, frozen_now, tmp_path, outbox, create_org, create_user, create_batch, create_scenario,
          submit_proposal, stored_file):
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "index")
    app.config["SYNONYMS_FILE"] = str(tmp_path / "synonyms.txt")

    def make(state: str) -> World:
        department = create_user(Role.GOVERNMENT)
        marked = create_org(kind=OrgKind.ENTERPRISE, name=f"杭州{MARKERS['name']}智能科技有限公司")
        users = {
            "anonymous": None,
            "bidder": create_user(Role.ENTERPRISE, org=marked),
            "rival": create_user(Role.ENTERPRISE),
            "department": department,
            "other_department": create_user(Role.GOVERNMENT),
            "assigned_reviewer": create_user(Role.REVIEWER),
            "idle_reviewer": create_user(Role.REVIEWER),
            "admin": create_user(Role.ADMIN),
        }
        scenario = create_scenario(create_batch(department), state="published",
                                   deadline=clock.now() + timedelta(hours=1))
        pdf = stored_file(name=f"{MARKERS['file']}技术白皮书.pdf")
        version = submit_proposal(scenario, users["bidder"], files=[pdf], title=f"方案{MARKERS['title']}",
                                  summary=f"摘要{MARKERS['summary']}", approach=f"路线{MARKERS['approach']}",
                                  team=f"团队{MARKERS['team']}", cases=f"案例{MARKERS['cases']}",
                                  price=MARKERS["price"])
        submit_proposal(scenario, users["rival"], title="另一家的方案", price="88")
        proposal = version.proposal
        _advance(state, scenario, proposal, users, create_user)
        db.session.commit()
        review = helpers.review_of(scenario, users["assigned_reviewer"], proposal)
        return World(state, users, scenario, proposal, version, review)

    return make


def _advance(state, scenario, proposal, users, create_user):
    department = users["department"]
    if state == "draft":
        # No proposal can reach a draft (one is never open); if one did, through a repair of the data, it is sealed.
        scenario.state, scenario.published_at = ScenarioState.DRAFT, None
        return
    if state == "published":
        return
    if state == "cancelled_before_deadline":
        scenario_ops.cancel_scenario(scenario, department, "需求调整，另行发布")
        clock.travel(timedelta(days=3))  # long after the deadline would have opened the bids
        return
    clock.travel(timedelta(hours=2))
    if state == "past_deadline":
        return  # closed by the clock alone: no request has brought the row up to date
    scenario_ops.close_if_due(scenario)
    stage = state.removeprefix("cancelled_from_")
    reviewers = [users["assigned_reviewer"], create_user(Role.REVIEWER), create_user(Role.REVIEWER)]
    if stage in ("under_review", "decided", "announced", "final"):
        helpers.assign(scenario, reviewers)
        review = helpers.review_of(scenario, users["assigned_reviewer"], proposal)
        conflicts.declare(review, users["assigned_reviewer"], conflict=False)
    if stage in ("decided", "announced", "final"):
        for candidate in review_queries.reviewed_proposals(scenario):
            for reviewer in reviewers:
                helpers.score(helpers.review_of(scenario, reviewer, candidate),
                              helpers.split(90 if candidate.id == proposal.id else 70))
        announcement_helpers.decided(scenario, [proposal])
    if stage in ("announced", "final"):
        announcement_helpers.announced(scenario)
    if stage == "final":
        clock.travel(timedelta(days=10))
        scenario_ops.finalize_if_due(scenario)
    if state.startswith("cancelled_from_"):
        scenario_ops.cancel_scenario(scenario, department, "经费调整")


# --- channels ----------------------------------------------------------------------------------------------------

def _urls(app, world: World) -> list[tuple[str, str]]:
    """(endpoint, url) of every GET route that can be pointed at this world's objects, all variants of `any()`."""
    values = {"scenario_id": world.scenario.id, "proposal_id": world.proposal.id, "number": 1, "position": 1,
              "attachment_id": world.version.attachments[0].id, "receipt_no": world.version.receipt_no,
              "batch_id": world.scenario.batch_id, "org_id": world.proposal.organization_id}
    if world.review is not None:
        values["review_id"] = world.review.id
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ELSEWHERE or not set(rule.arguments) <= ARGUMENTS:
            continue
        if not set(rule.arguments) - {"kind", "fmt"} <= values.keys():
            continue
        variants = [{}]
        for name in sorted(rule.arguments & {"kind", "fmt"}):
            variants = [{**v, name: item} for v in variants for item in sorted(rule._converters[name].items)]
        for variant in variants:
            args = {name: values[name] for name in rule.arguments if name in values} | variant
            found.append((rule.endpoint, url_for(rule.endpoint, **args)))
    # Search, on the page and in the API: the index must never hold proposal content. The query is typed in
    # lower case (search ignores case) so that the page repeating it is not taken for a hit.
    for key, marker in MARKERS.items():
        for url in (f"/search?q={marker.lower()}", f"/search?tab=scenarios&q={marker.lower()}",
                    f"/api/v1/scenarios?q={marker.lower()}", f"/scenarios?q={marker.lower()}"):
            found.append((f"search:{key}", url))
    return sorted(set(found))


def readable(response) -> str:
    """Everything a response says, as text: headers, and the body of HTML, JSON, CSV, iCalendar or XLSX."""
    parts = [f"{key}: {unquote(value)}" for key, value in response.headers.items()]
    data = response.get_data()
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts += [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
    else:
        text = data.decode("utf-8", "replace")
        if response.mimetype.endswith("json"):
            text = json.dumps(json.loads(text), ensure_ascii=False)
        parts.append(text.replace("\r\n ", "").replace("\n ", ""))  # iCalendar folds long lines
    return html.unescape("\n".join(parts))


def _seen_in(text: str) -> set[str]:
    return {key for key, marker in MARKERS.items() if marker in text}


# Every channel × role × state, on SQLite: the channels reach sealed data only through the seal clause, and the
# clause is held to its Python twin on both databases below (the other tests of this module run on both too).
@pytest.mark.parametrize("state", STATES)
def test_markers_appear_exactly_where_the_rule_allows(app, client, login_as, outbox, build, state):
    world = build(state)
    assert world.scenario.bids_unsealed == (state not in SEALED_STATES)
    urls = _urls(app, world)
    reached = {endpoint for endpoint, _url in urls}
    assert not MUST_REACH - reached, "the enumeration lost channels"
    if world.review is not None:
        assert not {"reviewing.show_review", "reviewing.download"} - reached
    seen = {role: {} for role in ROLES}  # role → marker → where
    for role in ROLES:
        with client.session_transaction() as session:
            session.clear()
        if world.users[role] is not None:
            login_as(world.users[role])
        for endpoint, url in urls:
            if endpoint.startswith("search:") and role not in SEARCHERS:
                continue
            response = client.get(url)
            # /readyz answers 503 by design while the node has no search index of its own (none is built here).
            not_ready = endpoint == "main.readyz" and response.status_code == 503
            assert response.status_code < 500 or not_ready, f"{url} as {role}: {response.status_code}"
            for key in _seen_in(readable(response)):
                if (key == "name" and endpoint in DIRECTORIES) or endpoint == f"search:{key}" == "search:price":
                    continue  # a directory of accounts; a price has no case, so its query is repeated as typed
                seen[role].setdefault(key, []).append(url)
            response.close()
    deliver_pending()
    mail_roles = {user.email: role for role, user in world.users.items() if user is not None}
    for message in mails(outbox):
        role = mail_roles.get(message["To"].addresses[0].addr_spec)
        text = f"{message['Subject']}\n{message.get_content()}"
        for key in _seen_in(text):
            assert role is not None, f"a marker reached an outsider's mailbox: {message['To']}"
            seen[role].setdefault(key, []).append("e-mail")

    problems = []
    for role in ROLES:
        allowed = expected(role, state)
        for key in sorted(seen[role].keys() - allowed):
            problems.append(f"{role} saw {key} ({MARKERS[key]}) at {sorted(set(seen[role][key]))[:5]}")
        for key in sorted(allowed - seen[role].keys()):
            problems.append(f"{role} did not see {key}, which it should")
    assert not problems, f"state {state}:\n" + "\n".join(problems)


# --- the rule and its SQL twin agree -----------------------------------------------------------------------------

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
OFFSETS = [None, -timedelta(days=1), -timedelta(seconds=1), -timedelta(microseconds=1), timedelta(0),
           timedelta(microseconds=1), timedelta(seconds=1), timedelta(days=1)]


@pytest.mark.both_databases
@pytest.mark.parametrize("state", list(ScenarioState))
def test_the_predicate_and_its_sql_clause_agree_on_every_row(db, frozen_now, create_batch, state):
    """Every state × published or not × deadline around now × cancellation around the deadline."""
    batch = create_batch()
    cancellations = OFFSETS if state == ScenarioState.CANCELLED else [None]
    rows = []
    # Only a draft or a cancelled draft can lack a publication time (a check constraint says so).
    for published in (True, False) if state in (ScenarioState.DRAFT, ScenarioState.CANCELLED) else (True,):
        for deadline in OFFSETS:
            for cancelled in cancellations:
                scenario = Scenario(batch=batch, department_id=batch.department_id, title="规则", sector="other",
                                    district="西湖区", state=state, created_at=NOW, updated_at=NOW,
                                    published_at=NOW - timedelta(days=5) if published else None,
                                    deadline=None if deadline is None else NOW + deadline)
                if state == ScenarioState.CANCELLED:
                    scenario.cancelled_at = (scenario.deadline or NOW) + (cancelled or timedelta(0))
                    scenario.cancel_reason = "撤销"
                db.session.add(scenario)
                rows.append(scenario)
    db.session.flush()
    unsealed = set(db.session.scalars(select(Scenario.id).where(Scenario.id.in_([s.id for s in rows]),
                                                                Scenario.bids_unsealed_clause())))
    void = set(db.session.scalars(select(Scenario.id).where(Scenario.id.in_([s.id for s in rows]),
                                                            Scenario.cancelled_before_deadline_clause())))
    for scenario in rows:
        assert scenario.bids_unsealed == (scenario.id in unsealed), (scenario.state, scenario.deadline,
                                                                     scenario.cancelled_at)
        assert scenario.cancelled_before_deadline == (scenario.id in void)
        if state == ScenarioState.CANCELLED and scenario.deadline and scenario.published_at:
            before = scenario.cancelled_at < scenario.deadline
            assert scenario.bids_unsealed == (scenario.deadline <= NOW and not before)
    db.session.rollback()


# --- the cancellation journey ------------------------------------------------------------------------------------

@pytest.fixture
def cancelled_early(client, login_as, db, frozen_now, outbox, create_user, create_batch, create_scenario,
                    submit_proposal, stored_file):
    """An open scenario with two submissions, cancelled by its department through the page before the deadline."""
    department = create_user(Role.GOVERNMENT)
    scenario = create_scenario(create_batch(department), state="published", deadline=clock.now() + timedelta(days=2))
    bidders = [create_user(Role.ENTERPRISE), create_user(Role.ENTERPRISE)]
    versions = [submit_proposal(scenario, bidders[0], files=[stored_file(name="甲公司方案.pdf")], title="甲方案"),
                submit_proposal(scenario, bidders[1], title="乙方案")]
    deliver_pending()
    for path in outbox.glob("*.eml"):
        path.unlink()  # the receipts; what follows is the cancellation's own mail
    login_as(department)
    response = client.post(f"/manage/scenarios/{scenario.id}/cancel", data={"reason": "需求调整，另行发布"})
    assert response.status_code == 302
    response.close()  # the e-mail waits for delivery (mails() delivers, as the worker would)
    return scenario, department, bidders, versions


@pytest.mark.both_databases
def test_cancelling_before_the_deadline_tells_each_bidder_only_of_its_own_void_proposal(
        client, login_as, db, outbox, cancelled_early):
    scenario, department, bidders, versions = cancelled_early
    assert scenario.cancelled_before_deadline and not scenario.bids_unsealed
    sent = mails(outbox)
    assert sorted(m["To"].addresses[0].addr_spec for m in sent) == sorted(b.email for b in bidders)
    for message in sent:
        text = message.get_content()
        assert "需求调整，另行发布" in text and "作废" in text
        assert not any(b.organization.name in text for b in bidders)
        assert "甲方案" not in text and "乙方案" not in text
    for bidder, version in zip(bidders, versions, strict=True):
        login_as(bidder)
        inbox = client.get("/notifications/").text
        assert "场景已撤销" in inbox and "需求调整，另行发布" in inbox
        page = client.get(f"/proposals/{version.proposal_id}").text
        assert "已作废" in page and "需求调整，另行发布" in page
        assert "已作废" in client.get("/my/proposals").text
        assert version.title in client.get(f"/proposals/{version.proposal_id}/versions/1").text
    login_as(department)
    inbox = client.get("/notifications/").text
    assert not any(b.organization.name in inbox for b in bidders)


@pytest.mark.both_databases
def test_a_void_proposal_stays_its_bidders_to_read_and_withdraw(client, login_as, db, cancelled_early):
    scenario, department, bidders, versions = cancelled_early
    login_as(bidders[0])
    attachment = versions[0].attachments[0]
    download = client.get(f"/attachments/{attachment.id}")
    download.close()
    assert download.status_code == 200
    assert client.post(f"/proposals/{versions[0].proposal_id}/withdraw").status_code == 302
    proposal = db.session.get(Proposal, versions[0].proposal_id)
    assert proposal.state == ProposalState.WITHDRAWN and not proposal.is_void
    # Once withdrawn it cannot be submitted again: the scenario is no longer open.
    with pytest.raises(DomainError):
        proposal_ops.submit_proposal(proposal, bidders[0], declaration=True)


@pytest.mark.both_databases
@pytest.mark.parametrize("days", [0, 3, 400])
def test_the_department_only_ever_sees_the_count(client, login_as, db, frozen_now, cancelled_early, days):
    scenario, department, bidders, versions = cancelled_early
    frozen_now.travel(timedelta(days=days))  # 3 and 400: long after the deadline would have opened the bids
    login_as(department)
    page = client.get(f"/manage/scenarios/{scenario.id}/proposals").text
    assert "2 份" in page and "永久密封" in page
    assert not any(b.organization.name in page for b in bidders) and "甲方案" not in page
    for url in (f"/manage/proposals/{versions[0].proposal_id}", f"/attachments/{versions[0].attachments[0].id}",
                f"/manage/scenarios/{scenario.id}/review", f"/manage/scenarios/{scenario.id}/ranking",
                f"/manage/scenarios/{scenario.id}/ranking/ranking.xlsx", f"/manage/scenarios/{scenario.id}/decision"):
        response = client.get(url)
        response.close()
        assert response.status_code == 404, url
    assert client.get(f"/scenarios/{scenario.id}/announcement").status_code == 404


# --- the state machine: nothing moves a cancelled scenario on ----------------------------------------------------

def _operations(scenario, department, reviewer, proposal):
    return {
        "publish": lambda: scenario_ops.publish_scenario(scenario, department),
        "cancel again": lambda: scenario_ops.cancel_scenario(scenario, department, "再撤销一次"),
        "assign reviewers": lambda: conflicts.assign_reviewers(scenario, department, [reviewer]),
        "save review setup": lambda: review_setup.save_setup(scenario, department, blind=False,
                                                           criteria=[("技术", 100)]),
        "decide": lambda: announcement_ops.decide(scenario, department, winner_ids=[proposal.id], rationale="理由"),
        "announce": lambda: announcement_ops.announce(scenario, department),
        "take the list": lambda: proposal_ops.open_proposal(scenario, proposal.created_by),
    }


@pytest.mark.parametrize("when", ["before_deadline", "after_deadline"])
@pytest.mark.parametrize("operation", ["publish", "cancel again", "assign reviewers", "save review setup", "decide",
                                       "announce", "take the list"])
@pytest.mark.both_databases
def test_no_operation_moves_a_cancelled_scenario_on(db, frozen_now, create_user, create_scenario, submit_proposal,
                                                    when, operation):
    scenario = create_scenario(state="published", deadline=clock.now() + timedelta(hours=1))
    department = helpers.department_of(scenario)
    bidder = create_user(Role.ENTERPRISE)
    proposal = submit_proposal(scenario, bidder).proposal
    if when == "after_deadline":
        frozen_now.travel(timedelta(hours=2))
    scenario_ops.cancel_scenario(scenario, department, "需求调整")
    db.session.commit()
    frozen_now.travel(timedelta(days=1))
    with pytest.raises(DomainError):
        _operations(scenario, department, create_user(Role.REVIEWER), proposal)[operation]()
    db.session.rollback()
    assert db.session.get(Scenario, scenario.id).state == ScenarioState.CANCELLED


def test_the_lifecycle_has_no_way_out_of_cancelled():
    assert not [key for key in TRANSITIONS if key[0] == ScenarioState.CANCELLED]


@pytest.mark.both_databases
def test_reviewers_and_objectors_cannot_act_on_a_cancelled_scenario(db, frozen_now, create_user, create_scenario,
                                                                      submit_proposal):
    """Cancelled during 公示, after a full review: no score, reopening or objection goes through."""
    scenario = create_scenario(state="published", deadline=clock.now() + timedelta(hours=1))
    bidders = [create_user(Role.ENTERPRISE), create_user(Role.ENTERPRISE)]
    for bidder in bidders:
        submit_proposal(scenario, bidder)
    frozen_now.travel(timedelta(hours=2))
    reviewers = [create_user(Role.REVIEWER) for _ in range(3)]
    proposals = helpers.fully_reviewed(scenario, reviewers, [[80] * 3, [70] * 3])
    announcement_helpers.decided(scenario, proposals[:1])
    announcement_helpers.announced(scenario)
    department = helpers.department_of(scenario)
    scenario_ops.cancel_scenario(scenario, department, "经费调整")
    db.session.commit()
    submitted = helpers.review_of(scenario, reviewers[0], proposals[0])
    attempts = {
        "score": lambda: review_ops.save_review(submitted, reviewers[0], scores=[("1", "")] * 4, opinion="改",
                                                submit=True),
        "reopen": lambda: review_ops.reopen_review(submitted, department, "重评"),
        "object": lambda: announcement_ops.file_objection(scenario, bidders[1], text="不服"),
    }
    for name, attempt in attempts.items():
        with pytest.raises(DomainError):
            attempt()
        db.session.rollback()
        assert db.session.get(Scenario, scenario.id).state == ScenarioState.CANCELLED, name

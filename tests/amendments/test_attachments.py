"""The files of a call (需求说明书, drawings): uploaded through the safe upload path, at drafting or in an
amendment; public once the call is public, private to its department while a draft."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.amendments import operations
from portal.amendments.models import ScenarioAttachment
from portal.errors import InvalidTransition
from portal.extensions import db
from portal.uploads import references
from tests.factories import MINIMAL_PDF

ROLES = ["anonymous", "enterprise", "reviewer", "other_department", "admin", "department"]


@pytest.fixture
def people(create_user, department):
    return {"anonymous": None, "enterprise": create_user(Role.ENTERPRISE), "reviewer": create_user(Role.REVIEWER),
            "other_department": create_user(Role.GOVERNMENT), "admin": create_user(Role.ADMIN),
            "department": department}


@pytest.fixture
def draft(create_scenario, open_scenario):
    return create_scenario(open_scenario.batch, state="draft", title="草稿场景")


def upload(client, scenario, data=MINIMAL_PDF, name="需求说明书.pdf"):
    return client.post(f"/manage/scenarios/{scenario.id}/files", data={"files": [(io.BytesIO(data), name)]},
                       content_type="multipart/form-data")


def files_of(scenario):
    return db.session.scalars(select(ScenarioAttachment).where(ScenarioAttachment.scenario_id == scenario.id)).all()


def test_a_draft_gets_its_files_through_the_upload_checks(client, login_as, draft, department):
    login_as(department)
    response = upload(client, draft)
    assert response.status_code == 302
    (attachment,) = files_of(draft)
    assert attachment.display_name == "需求说明书.pdf" and attachment.kind == "pdf"
    assert attachment.stored_name in references.referenced_names(db.session)  # the sweep keeps it
    download = client.get(f"/scenarios/{draft.id}/files/{attachment.id}")
    assert download.status_code == 200 and download.data == MINIMAL_PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    download.close()


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"MZ" + b"\x00" * 100, "说明书.pdf", "可执行程序"),
    (b"<html><script>alert(1)</script></html>", "图纸.pdf", "网页、SVG 或脚本"),
    (b"", "空.pdf", "空文件"),
])
def test_bad_content_is_refused_with_a_message(client, login_as, draft, department, data, name, message):
    login_as(department)
    response = upload(client, draft, data, name)
    assert response.status_code == 200 and message in response.text
    assert files_of(draft) == []


def test_a_file_over_the_size_limit_is_refused(app, client, login_as, draft, department, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", len(MINIMAL_PDF) - 1)
    login_as(department)
    response = upload(client, draft)
    assert response.status_code == 200 and "大小上限" in response.text
    assert files_of(draft) == []


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_file_is_its_department_s_alone(client, login_as, draft, department, people, stored_file, role):
    checked = stored_file(name="图纸.pdf")
    (attachment,) = operations.attach_files(draft, department, [checked])
    db.session.commit()
    if people[role] is not None:
        login_as(people[role])
    response = client.get(f"/scenarios/{draft.id}/files/{attachment.id}")
    response.close()
    assert response.status_code == (200 if role == "department" else 404)


@pytest.mark.parametrize("role", ROLES)
def test_a_published_call_s_files_are_public(client, login_as, open_scenario, department, people, amend,
                                             stored_file, role):
    amendment = amend(open_scenario, files=[stored_file(name="需求说明书.pdf")])
    attachment_id = amendment.changes["attachments"]["added"][0]["id"]
    if people[role] is not None:
        login_as(people[role])
    response = client.get(f"/scenarios/{open_scenario.id}/files/{attachment_id}")
    response.close()
    assert response.status_code == 200
    # Under another scenario's address it is not found.
    assert client.get(f"/scenarios/{open_scenario.id + 1000}/files/{attachment_id}").status_code == 404


def test_once_published_files_change_only_by_amendment(open_scenario, department, stored_file, amend, frozen_now):
    with pytest.raises(InvalidTransition):
        operations.attach_files(open_scenario, department, [stored_file()])
    db.session.rollback()
    first = amend(open_scenario, files=[stored_file(name="图纸A.pdf")])
    old_id = first.changes["attachments"]["added"][0]["id"]
    frozen_now.travel(timedelta(minutes=1))
    second = amend(open_scenario, files=[stored_file(name="图纸B.pdf")], remove_ids=[old_id])
    assert second.changes["attachments"]["removed"] == [{"id": old_id, "name": "图纸A.pdf"}]
    assert [a.display_name for a in files_of(open_scenario) if a.is_current] == ["图纸B.pdf"]


def test_the_amendment_form_takes_files_and_keeps_text_on_a_bad_file(client, login_as, open_scenario, department):
    login_as(department)
    response = client.post(f"/manage/scenarios/{open_scenario.id}/amend", content_type="multipart/form-data", data={
        "requirements": "准确率 99%", "budget": "120", "reason": "补充图纸",
        "files": [(io.BytesIO(b"MZ" + b"\x00" * 100), "图纸.pdf")]})
    assert response.status_code == 200 and "可执行程序" in response.text and "准确率 99%" in response.text
    assert files_of(open_scenario) == []
    response = client.post(f"/manage/scenarios/{open_scenario.id}/amend", content_type="multipart/form-data", data={
        "requirements": open_scenario.requirements_html, "budget": "120", "reason": "补充图纸",
        "deadline": "", "files": [(io.BytesIO(MINIMAL_PDF), "图纸.pdf")]})
    assert response.status_code == 302
    assert [a.display_name for a in files_of(open_scenario)] == ["图纸.pdf"]

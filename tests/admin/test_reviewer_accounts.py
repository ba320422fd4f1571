"""Reviewer accounts: the 所属单位 the admin gives (and optionally its code) is the reviewer's current employer
for 回避, without the reviewer ever joining an enterprise's account."""

import pytest
from sqlalchemy import select

from portal.accounts.models import OrgKind, Role, User
from portal.reviews import conflicts
from tests.factories import form_values


@pytest.fixture
def admin(create_user, login_as):
    user = create_user(Role.ADMIN)
    login_as(user)
    return user


def _new_reviewer(client, **changes):
    data = {"role": "reviewer", "org_name": "杭州某某科技有限公司", "name": "周教授", "email": "zhou@review.example.cn",
            "password": "Zju#review2026", **changes}
    return client.post("/admin/users/new", data=data, follow_redirects=True), data


def test_the_organisation_given_is_the_reviewers_current_employer_with_its_code(client, db, admin, create_user):
    bidder = create_user(Role.ENTERPRISE)  # the code belongs to a registered enterprise
    response, _data = _new_reviewer(client, employer_uscc=bidder.organization.uscc.lower())
    assert "账号已创建：zhou@review.example.cn" in response.text
    reviewer = db.session.scalar(select(User).where(User.email == "zhou@review.example.cn"))
    profile = conflicts.get_profile(reviewer)
    assert (profile.employer_name, profile.employer_uscc) == ("杭州某某科技有限公司", bidder.organization.uscc)
    # The reviewer does not join the enterprise: its account organisation is an institution of that name.
    assert reviewer.organization_id != bidder.organization_id
    assert reviewer.organization.kind == OrgKind.INSTITUTION and reviewer.organization.uscc is None


def test_a_wrong_employer_code_is_refused_on_its_field_with_everything_kept(client, db, admin):
    response, data = _new_reviewer(client, employer_uscc="91330106MA2H3K7P1F")
    assert response.status_code == 200 and "校验位错误" in response.text
    shown = form_values(response.text)
    assert [shown[k] for k in ("org_name", "name", "email", "employer_uscc")] == [
        data[k] for k in ("org_name", "name", "email", "employer_uscc")]
    assert db.session.scalar(select(User).where(User.role == Role.REVIEWER)) is None


def test_a_department_account_ignores_the_reviewer_field(client, db, admin):
    client.post("/admin/users/new", data={"role": "government", "org_name": "杭州市经济和信息化局", "name": "李处长",
                                          "email": "li@jxj.gov.cn", "password": "Jxj#initial2026"})
    user = db.session.scalar(select(User).where(User.email == "li@jxj.gov.cn"))
    assert user.role == Role.GOVERNMENT and user.organization.uscc is None


def test_the_command_line_creates_a_reviewer_whose_code_belongs_to_its_profile(app, db, create_user):
    bidder = create_user(Role.ENTERPRISE)
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--email", "wu@review.example.cn", "--password", "Expert#Wu2026", "--role", "reviewer",
        "--org", "杭州某某科技有限公司", "--uscc", bidder.organization.uscc, "--name", "吴研究员"])
    assert result.exit_code == 0, result.output
    reviewer = db.session.scalar(select(User).where(User.email == "wu@review.example.cn"))
    assert conflicts.get_profile(reviewer).employer_uscc == bidder.organization.uscc
    assert reviewer.organization_id != bidder.organization_id
    refused = app.test_cli_runner().invoke(args=[
        "create-user", "--email", "xu@review.example.cn", "--password", "Expert#Xu2026", "--role", "reviewer",
        "--org", "某单位", "--uscc", "12345"])
    assert refused.exit_code != 0 and "统一社会信用代码应为18位" in refused.output

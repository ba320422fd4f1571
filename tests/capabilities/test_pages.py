"""The capability pages as an enterprise and a reviewer use them: publishing with clear Chinese refusals that keep
what was typed, review with a reason, the public list's filters and pages, and the API's shape."""

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.api.capability_routes import CAPABILITY_SUMMARY
from portal.audit import AuditRecord
from portal.capabilities.models import Capability
from portal.capabilities.models import CapabilityState as S

# Check constraints and the district and product joins hold on both databases.
pytestmark = pytest.mark.both_databases

def form_data(**overrides):
    data = {"title": "港口集装箱视觉识别", "sector": "industrial_vision", "field": "machine_vision",
            "maturity": "scaled", "summary": "箱号与残损的视觉识别。", "cases": "", "districts": ["滨江区"],
            "contact_name": "李工", "contact_phone": "13800000000", "contact_email": ""}
    data.update(overrides)
    return data


@pytest.fixture
def enterprise(create_user, login_as, client):
    return login_as(create_user(Role.ENTERPRISE))


def test_an_enterprise_writes_submits_and_sees_its_capability(db, client, enterprise):
    response = client.post("/my/capabilities/new", data=form_data())
    assert response.status_code == 302
    capability = db.session.scalar(select(Capability))
    assert capability.state == S.DRAFT and capability.districts == ["滨江区"]
    assert client.post(f"/my/capabilities/{capability.id}/submit").status_code == 302
    assert capability.state == S.SUBMITTED
    mine = client.get("/my/capabilities/").get_data(as_text=True)
    assert "港口集装箱视觉识别" in mine and "待审核" in mine
    actions = db.session.scalars(select(AuditRecord.action).where(AuditRecord.object_id == capability.id)).all()
    assert {"capability.create", "capability.submit"} <= set(actions)


@pytest.mark.parametrize(("change", "message"), [
    ({"title": ""}, "请填写能力名称。"),
    ({"districts": []}, "请至少选择一个服务区县市。"),
    ({"districts": ["上海市"]}, "服务区县市不在杭州市区县市之列。"),
    ({"field": "no_such_field"}, "不是有效的选择。"),
    ({"maturity": "legendary"}, "不是有效的选择。"),
    ({"contact_phone": "call me"}, "请填写有效的联系电话。"),
    ({"contact_email": "not-an-address"}, "邮箱格式不正确。"),
])
def test_bad_input_is_refused_in_chinese_and_the_text_kept(db, client, enterprise, change, message):
    response = client.post("/my/capabilities/new", data=form_data(**change, summary="保留我写的这段简介"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page and "保留我写的这段简介" in page
    assert db.session.scalar(select(Capability)) is None


def test_only_the_enterprises_own_products_can_be_linked(db, client, enterprise, create_product, create_user):
    own = create_product(owner=enterprise)
    foreign = create_product(owner=create_user(Role.ENTERPRISE), name="别家的热像仪")
    page = client.get("/my/capabilities/new").get_data(as_text=True)
    assert own.name in page and "别家的热像仪" not in page
    response = client.post("/my/capabilities/new", data=form_data(product_ids=[foreign.id]))
    assert "只能关联本单位的产品。" in response.get_data(as_text=True)
    assert db.session.scalar(select(Capability)) is None
    client.post("/my/capabilities/new", data=form_data(product_ids=[own.id]))
    assert [p.id for p in db.session.scalar(select(Capability)).products] == [own.id]


def test_a_reviewer_returns_with_a_reason_and_the_enterprise_resubmits(db, client, login_as, create_user,
                                                                       create_capability):
    capability = create_capability("submitted")
    login_as(create_user(Role.GOVERNMENT))
    queue = client.get("/review/capabilities/").get_data(as_text=True)
    assert capability.title in queue
    client.post(f"/review/capabilities/{capability.id}/return", data={"reason": ""})
    assert capability.state == S.SUBMITTED
    client.post(f"/review/capabilities/{capability.id}/return", data={"reason": "请补充交付案例"})
    assert capability.state == S.RETURNED and capability.reason == "请补充交付案例"
    login_as(capability.created_by)
    edit = client.get(f"/my/capabilities/{capability.id}/edit").get_data(as_text=True)
    assert "请补充交付案例" in edit
    client.post(f"/my/capabilities/{capability.id}/edit", data=form_data(cases="新增两个案例"))
    client.post(f"/my/capabilities/{capability.id}/submit")
    assert capability.state == S.SUBMITTED and capability.cases == "新增两个案例"


def test_the_public_list_filters_and_pages(app, client, create_capability):
    app.config["PAGE_SIZE"] = 2
    for n in range(3):
        create_capability(title=f"视觉能力{n}", districts=["西湖区"])
    create_capability(title="医学影像能力", sector="medical_imaging", maturity="prototype", districts=["余杭区"])
    page_one = client.get("/capabilities").get_data(as_text=True)
    assert "共 4 项能力" in page_one and page_one.count('class="stretched-link"') == 2
    assert client.get("/capabilities?page=2").get_data(as_text=True).count('class="stretched-link"') == 2
    west = client.get("/capabilities", query_string={"district": "西湖区"}).get_data(as_text=True)
    assert "共 3 项能力" in west and "医学影像能力" not in west
    for query in ({"sector": "medical_imaging"}, {"maturity": "prototype"}, {"district": "余杭区"}):
        assert "共 1 项能力" in client.get("/capabilities", query_string=query).get_data(as_text=True), query
    assert "共 4 项能力" in client.get("/capabilities", query_string={"sector": "nonsense"}).get_data(as_text=True)


def test_the_api_shape_and_its_refusals(client, create_capability):
    capability = create_capability()
    listed = client.get("/api/v1/capabilities").json
    assert listed["total"] == 1 and listed["page"] == 1
    (item,) = listed["items"]
    assert set(item) == set(CAPABILITY_SUMMARY["required"])
    assert item["maturity"] == "small_batch" and item["districts"] == ["滨江区", "萧山区"]
    detail = client.get(f"/api/v1/capabilities/{capability.id}").json
    assert detail["summary"] == capability.summary and detail["products"] == []
    assert client.get("/api/v1/capabilities", query_string={"maturity": "legendary"}).status_code == 400
    assert client.get("/api/v1/capabilities", query_string={"district": "萧山区"}).json["total"] == 1
    assert client.get("/api/v1/capabilities", query_string={"district": "淳安县"}).json["total"] == 0
    assert client.get("/api/v1/capabilities/99999").status_code == 404
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/capabilities" in paths and "/capabilities/{capability_id}" in paths


def test_the_feed_is_atom_of_approved_capabilities(client, create_capability):
    capability = create_capability()
    response = client.get("/feeds/capabilities.atom")
    assert response.mimetype == "application/atom+xml"
    assert f"/capabilities/{capability.id}" in response.get_data(as_text=True)

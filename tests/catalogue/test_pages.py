"""Public catalogue pages, the enterprise's application form, and the review queue."""

import io

from sqlalchemy import select

from portal.accounts.models import Role
from portal.catalogue.models import Product, ProductState
from tests.factories import form_values


def test_catalogue_lists_only_approved_products_with_facet_counts(client, create_product):
    create_product(name="非制冷红外热像仪")
    create_product(name="高速线阵工业相机", model="LC-8K", sector="industrial_vision", level="provincial", year=2022)
    create_product(name="待审核的产品", model="P-1", state="pending")
    create_product(name="已撤销的产品", model="R-1", state="revoked")
    page = client.get("/products").get_data(as_text=True)
    assert "非制冷红外热像仪" in page and "高速线阵工业相机" in page
    assert "待审核的产品" not in page and "已撤销的产品" not in page
    assert "共 2 个产品" in page
    assert "工业视觉 (1)" in page and "特殊成像 (1)" in page


def test_facets_filter_and_unknown_values_are_ignored(client, create_product):
    create_product(name="非制冷红外热像仪")
    create_product(name="高速线阵工业相机", model="LC-8K", sector="industrial_vision", year=2022)
    page = client.get("/products?sector=industrial_vision&year=2022").get_data(as_text=True)
    assert "高速线阵工业相机" in page and "非制冷红外热像仪" not in page
    page = client.get("/products?sector=nonsense&year=abc&level=%00&page=99999999999").get_data(as_text=True)
    assert "共 2 个产品" in page


def test_catalogue_paginates(app, client, create_product):
    app.config["PAGE_SIZE"] = 2
    for n in range(5):
        create_product(name=f"产品{n}", model=f"M-{n}")
    first = client.get("/products").get_data(as_text=True)
    assert "共 5 个产品" in first and 'aria-label="分页"' in first
    third = client.get("/products?page=3").get_data(as_text=True)
    assert third.count('class="stretched-link"') == 1


def test_the_catalogue_page_and_the_api_hold_the_same_products_on_each_page(app, client, create_product):
    from tests.test_paging import assert_pages_agree

    app.config["PAGE_SIZE"] = 2
    names = [create_product(name=f"分页一致产品{n}号", model=f"P-{n}").name for n in range(5)]

    assert_pages_agree(client, "/products", "name", names)


def test_product_page_shows_facts_and_the_enterprise_page_its_products(client, create_product, create_user):
    owner = create_user(Role.ENTERPRISE)
    product = create_product(owner=owner, cases="某供电公司变电站巡检")
    create_product(owner=owner, name="测温型热成像摄像机", model="TC-384")
    page = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert "IR-640U" in page and "国家级" in page and "某供电公司变电站巡检" in page
    assert owner.organization.name in page
    enterprise = client.get(f"/enterprises/{owner.organization_id}").get_data(as_text=True)
    assert "非制冷红外热像仪" in enterprise and "测温型热成像摄像机" in enterprise


def test_a_pending_product_is_hidden_except_from_its_owner_and_reviewers(client, login_as, create_product,
                                                                         create_user):
    owner = create_user(Role.ENTERPRISE)
    product = create_product(owner=owner, state="pending")
    assert client.get(f"/products/{product.id}").status_code == 404
    login_as(create_user(Role.ENTERPRISE))
    assert client.get(f"/products/{product.id}").status_code == 404
    login_as(owner)
    assert client.get(f"/products/{product.id}").status_code == 200
    login_as(create_user(Role.GOVERNMENT))
    assert "同意入库" in client.get(f"/products/{product.id}").get_data(as_text=True)


def test_an_enterprise_applies_through_the_form(db, client, login_as, create_user, search_index):
    owner = login_as(create_user(Role.ENTERPRISE))
    values = form_values(client.get("/my/products/new").get_data(as_text=True))
    values.update(name="紫外电晕成像检测仪", model="UV-C1", product_type="equipment", sector="special_imaging",
                  level="provincial", year="2023", description="利用日盲紫外成像发现电晕放电。")
    response = client.post("/my/products/new", data=values)
    assert response.status_code == 302
    product = db.session.scalar(select(Product).where(Product.model == "UV-C1"))
    assert product.state == ProductState.PENDING and product.organization_id == owner.organization_id
    assert "紫外电晕成像检测仪" in client.get("/my/products/").get_data(as_text=True)


def test_the_form_refuses_a_year_out_of_range_and_keeps_the_text(client, login_as, create_user, search_index):
    login_as(create_user(Role.ENTERPRISE))
    values = form_values(client.get("/my/products/new").get_data(as_text=True))
    values.update(name="石墨烯导热膜", product_type="material", sector="other", level="provincial", year="1999",
                  description="高导热石墨烯薄膜。")
    page = client.post("/my/products/new", data=values).get_data(as_text=True)
    assert "认定年度应在" in page and "石墨烯导热膜" in page


def test_department_approves_from_the_queue_and_the_product_becomes_searchable(client, login_as, create_product,
                                                                               create_user):
    product = create_product(state="pending")
    login_as(create_user(Role.GOVERNMENT))
    queue = client.get("/review/products/").get_data(as_text=True)
    assert product.name in queue
    assert client.get("/search?q=热像仪").get_data(as_text=True).count("stretched-link") == 0
    assert client.post(f"/review/products/{product.id}/approve").status_code == 302
    assert product.state == ProductState.APPROVED
    assert "<mark>热像仪</mark>" in client.get("/search?q=热像仪").get_data(as_text=True)


def test_reject_without_a_reason_changes_nothing(client, login_as, create_product, create_user):
    product = create_product(state="pending")
    login_as(create_user(Role.ADMIN))
    client.post(f"/review/products/{product.id}/reject", data={"reason": ""})
    assert product.state == ProductState.PENDING
    client.post(f"/review/products/{product.id}/reject", data={"reason": "认定文件缺失"})
    assert product.state == ProductState.REJECTED


def test_revoking_takes_a_product_out_of_search(client, login_as, create_product, create_user):
    product = create_product()
    assert "<mark>热像仪</mark>" in client.get("/search?q=热像仪").get_data(as_text=True)
    login_as(create_user(Role.ADMIN))
    client.post(f"/review/products/{product.id}/revoke", data={"reason": "认定已撤销"})
    assert product.state == ProductState.REVOKED
    assert "没有找到" in client.get("/search?q=热像仪").get_data(as_text=True)


def test_an_application_carries_an_image_and_a_brochure(db, client, login_as, create_user, search_index):
    from tests.catalogue.conftest import PNG
    from tests.factories import MINIMAL_PDF

    login_as(create_user(Role.ENTERPRISE))
    values = form_values(client.get("/my/products/new").get_data(as_text=True))
    values.update(name="紫外电晕成像检测仪", model="UV-C1", product_type="equipment", sector="special_imaging",
                  level="provincial", year="2023", description="利用日盲紫外成像发现电晕放电。",
                  image=(io.BytesIO(PNG), "检测仪.png"), brochure=(io.BytesIO(MINIMAL_PDF), "产品手册.pdf"))
    assert client.post("/my/products/new", data=values, content_type="multipart/form-data").status_code == 302
    product = db.session.scalar(select(Product).where(Product.model == "UV-C1"))
    assert product.image_mimetype == "image/png" and product.brochure_display_name == "产品手册.pdf"
    page = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert f"/products/{product.id}/image" in page and "产品手册.pdf" in page
    with client.get(f"/products/{product.id}/image") as image:
        assert image.status_code == 200 and image.data == PNG
        assert image.headers["X-Content-Type-Options"] == "nosniff"
    with client.get(f"/products/{product.id}/brochure") as brochure:
        assert brochure.data == MINIMAL_PDF


def test_a_brochure_that_is_not_a_pdf_is_refused_and_nothing_is_saved(db, client, login_as, create_user,
                                                                      search_index):
    from tests.catalogue.conftest import PNG

    login_as(create_user(Role.ENTERPRISE))
    values = form_values(client.get("/my/products/new").get_data(as_text=True))
    values.update(name="紫外电晕成像检测仪", product_type="equipment", sector="special_imaging", level="provincial",
                  year="2023", description="电晕放电检测。", brochure=(io.BytesIO(PNG), "手册.pdf"))
    page = client.post("/my/products/new", data=values, content_type="multipart/form-data").get_data(as_text=True)
    assert "紫外电晕成像检测仪" in page
    assert db.session.scalar(select(Product)) is None


def test_a_product_without_files_answers_404_for_them(client, create_product):
    product = create_product()
    assert client.get(f"/products/{product.id}/image").status_code == 404
    assert client.get(f"/products/{product.id}/brochure").status_code == 404

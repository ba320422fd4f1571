"""首台（套）validity: counted from the end of the year of recognition, set per list at import, shown, filtered,
and expired products left out of matchmaking."""

import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.catalogue import importer, queries, validity
from portal.catalogue.models import Product
from portal.catalogue.operations import import_products
from portal.util import clock
from tests.catalogue.test_import import GOOD, csv_bytes
from tests.search.test_matchmaking import POWER

# Products whose date follows from their year by the rule (the factory's own default is a current product).
RULE = validity.DEFAULT_YEARS


def at_hangzhou(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=clock.LOCAL_TZ).astimezone(UTC)


def test_validity_runs_to_the_end_of_the_last_year_and_expires_the_day_after():
    assert validity.valid_until(2023) == date(2026, 12, 31)
    assert validity.valid_until(2023, 5) == date(2028, 12, 31)
    assert not validity.is_expired(date(2026, 12, 31), date(2026, 12, 31))
    assert validity.is_expired(date(2026, 12, 31), date(2027, 1, 1))
    assert not validity.is_expired(None, date(2099, 1, 1))


def test_the_portal_clock_decides_in_hangzhou_days(create_product):
    product = create_product(validity_years=RULE, year=2022)
    assert product.valid_until == date(2025, 12, 31)
    # 23:30 on 31 December in Hangzhou is still the last valid day, though it is already 15:30 in UTC.
    clock.set_now(at_hangzhou(date(2025, 12, 31), 23).replace(minute=30))
    assert not product.is_expired
    clock.set_now(at_hangzhou(date(2026, 1, 1), 0))
    assert product.is_expired


def test_an_amended_application_follows_its_new_year(db, create_product):
    from portal.catalogue.operations import update_product

    product = create_product(validity_years=RULE, state="pending", year=2021)
    update_product(product, product.submitted_by, **{"year": 2024})
    assert product.valid_until == date(2027, 12, 31)


def test_a_list_imported_with_its_own_validity_keeps_it_and_says_so_in_the_audit(db, search_index):
    rows = importer.read(csv_bytes(GOOD), "list.csv").rows
    import_products(rows, None, source_name="list.csv", validity_years=5)
    db.session.commit()
    thermal = db.session.scalar(select(Product).where(Product.model == "IR-640U"))
    assert thermal.year == 2022 and thermal.valid_until == date(2027, 12, 31)
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "product.import"))
    assert record.details["validity_years"] == 5

    # The next list republishing it with the default validity updates the date, as it would any other value.
    result = import_products(rows, None, source_name="list.csv")
    assert thermal.valid_until == date(2025, 12, 31) and len(result.updated) == 3


def test_cli_takes_the_validity_of_the_list(app, db, tmp_path, search_index):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(GOOD))
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["import-products", str(good), "--validity-years", "0"])
    assert refused.exit_code != 0 and db.session.scalar(select(Product.id)) is None

    result = runner.invoke(args=["import-products", str(good), "--validity-years", "4"])

    assert result.exit_code == 0, result.output
    assert {p.valid_until for p in db.session.scalars(select(Product))} == {
        date(2026, 12, 31),
        date(2025, 12, 31),
        date(2027, 12, 31),
    }


def test_admin_form_imports_with_the_validity_typed(client, login_as, create_user, db, search_index):
    login_as(create_user(Role.ADMIN))
    response = client.post(
        "/admin/catalogue/import",
        data={"file": (io.BytesIO(csv_bytes(GOOD)), "list.csv"), "validity_years": "６"},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "导入完成：新增 3 个" in response.text
    thermal = db.session.scalar(select(Product).where(Product.model == "IR-640U"))
    assert thermal.valid_until == date(2028, 12, 31)


@pytest.mark.parametrize(
    "typed, message",
    [("三年", "有效期请填写整数年数"), ("0", "有效期应为 1 到 10 年"), ("100", "有效期应为 1 到 10 年")],
)
def test_admin_form_refuses_a_bad_validity_in_chinese_and_keeps_what_was_typed(
    client, login_as, create_user, db, typed, message
):
    login_as(create_user(Role.ADMIN))
    page = client.post(
        "/admin/catalogue/import",
        data={"file": (io.BytesIO(csv_bytes(GOOD)), "list.csv"), "validity_years": typed},
        content_type="multipart/form-data",
    )
    assert page.status_code == 200
    assert message in page.text and f'value="{typed}"' in page.text
    assert db.session.scalar(select(Product.id)) is None


@pytest.fixture
def old_and_new(create_product):
    old = create_product(validity_years=RULE, name="老款热像仪", model="OLD-1", year=2021)  # valid until 2024-12-31
    new = create_product(validity_years=RULE, name="新款热像仪", model="NEW-1", year=2025)  # valid until 2028-12-31
    clock.set_now(at_hangzhou(date(2026, 3, 2)))
    return old, new


def test_list_marks_and_filters_expired_products(client, old_and_new):
    old, new = old_and_new
    everything = client.get("/products").text
    assert old.name in everything and new.name in everything
    assert "已过有效期（2024-12-31）" in everything
    assert "有效期内 (1)" in everything and "已过有效期 (1)" in everything

    expired = client.get("/products?validity=expired").text
    current = client.get("/products?validity=current").text

    assert old.name in expired and new.name not in expired
    assert new.name in current and old.name not in current


def test_product_page_shows_the_date_and_the_expiry(client, old_and_new):
    old, new = old_and_new
    page = client.get(f"/products/{old.id}").text
    assert "已过有效期（2024-12-31）" in page and "不再作为首台（套）推荐" in page
    assert "已过有效期" not in client.get(f"/products/{new.id}").text
    english = client.get(f"/products/{old.id}?lang=en").text
    assert "Recognition expired (2024-12-31)" in english and "（" not in english.split("Recognition expired")[1][:40]


def test_api_filters_by_validity_and_says_it_per_product(client, old_and_new, search_index):
    from portal import search

    search.apply_pending()
    old, new = old_and_new
    listed = client.get("/api/v1/products").get_json()
    by_id = {item["id"]: item for item in listed["items"]}
    assert by_id[old.id]["expired"] is True and by_id[old.id]["valid_until"] == "2024-12-31"
    assert by_id[new.id]["expired"] is False

    for query in ({}, {"q": "热像仪"}):
        expired = client.get("/api/v1/products", query_string={**query, "validity": "expired"}).get_json()
        current = client.get("/api/v1/products", query_string={**query, "validity": "current"}).get_json()
        assert [i["id"] for i in expired["items"]] == [old.id] and expired["total"] == 1, query
        assert [i["id"] for i in current["items"]] == [new.id] and current["total"] == 1, query

    refused = client.get("/api/v1/products?validity=old")
    assert refused.status_code == 400 and refused.get_json()["error"]["parameter"] == "validity"
    assert client.get(f"/api/v1/products/{old.id}").get_json()["expired"] is True


def test_openapi_describes_the_validity_filter_and_fields(client):
    document = client.get("/api/v1/openapi.json").get_json()
    parameters = {p["name"]: p for p in document["paths"]["/products"]["get"]["parameters"]}
    assert parameters["validity"]["schema"]["enum"] == ["current", "expired"]
    assert {"valid_until", "expired"} <= set(document["components"]["schemas"]["Product"]["required"])


def test_matchmaking_leaves_out_expired_products(client, db, create_product, create_scenario, search_index):
    from portal import search

    old = create_product(
        validity_years=RULE,
        name="电力巡检红外热成像无人机吊舱",
        model="OLD-2",
        year=2021,
        description="变电站和输电线路红外测温巡检，发现设备过热。",
    )
    new = create_product(
        validity_years=RULE,
        name="变电站红外测温巡检机器人",
        model="NEW-2",
        year=2025,
        description="变电站红外测温巡检，发现设备过热与放电缺陷。",
    )
    scenario = create_scenario(state="published", **POWER)
    search.apply_pending()
    clock.set_now(at_hangzhou(date(2024, 6, 1)))
    assert {p.id for p, _why in queries.related_products(scenario)} == {old.id, new.id}

    clock.set_now(at_hangzhou(date(2025, 1, 1)))
    assert [p.id for p, _why in queries.related_products(scenario)] == [new.id]
    page = client.get(f"/scenarios/{scenario.id}").text
    assert new.name in page and old.name not in page and "已过有效期的首台（套）产品不在推荐之列" in page


def test_an_admin_corrects_the_validity_and_it_is_audited(client, login_as, create_user, create_product, db):
    product = create_product(validity_years=RULE, year=2021)
    login_as(create_user(Role.ADMIN))
    clock.set_now(at_hangzhou(date(2026, 3, 2)))
    assert "已过有效期（2024-12-31）" in client.get(f"/products/{product.id}").text

    response = client.post(
        f"/admin/catalogue/products/{product.id}/validity", data={"valid_until": "2026-06-30"}, follow_redirects=True
    )

    assert "已更正有效期" in response.text and "已过有效期" not in response.text
    assert product.valid_until == date(2026, 6, 30) and not product.is_expired
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "product.validity"))
    assert record.details == {"before": "2024-12-31", "after": "2026-06-30"}


@pytest.mark.parametrize(
    "typed, message",
    [
        ("明年年底", "请填写有效的日期"),
        ("2019-12-31", "有效期至应在 2021-01-01 到 2031-12-31 之间"),
        ("", "请填写有效期至"),
    ],
)
def test_a_bad_validity_date_is_refused_in_chinese_and_kept(
    client, login_as, create_user, create_product, db, typed, message
):
    product = create_product(validity_years=RULE, year=2021)
    login_as(create_user(Role.ADMIN))

    page = client.post(f"/admin/catalogue/products/{product.id}/validity", data={"valid_until": typed})

    assert page.status_code == 200 and message in page.text
    if typed:
        assert f'value="{typed}"' in page.text
    assert product.valid_until == date(2024, 12, 31)


def test_a_department_cannot_correct_the_validity(client, login_as, create_user, create_product):
    product = create_product(validity_years=RULE, year=2021)
    login_as(create_user(Role.GOVERNMENT))
    assert "更正有效期" not in client.get(f"/products/{product.id}").text
    assert (
        client.post(f"/admin/catalogue/products/{product.id}/validity", data={"valid_until": "2030-12-31"}).status_code
        == 403
    )
    assert product.valid_until == date(2024, 12, 31)

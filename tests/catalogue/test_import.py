"""Importing official lists: all or nothing, a report per bad row, idempotent, CSV and XLSX, CLI and admin form."""

import io
import json

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from portal.accounts.models import Organization, Role
from portal.catalogue import importer
from portal.catalogue.models import Product, ProductState
from portal.catalogue.operations import import_products
from portal.util.uscc import make_uscc
from tests.search.quality import CATALOGUE

HEADER = "name,model,company,uscc,type,sector,level,year,batch,district,specs,description,cases"
USCC = make_uscc("91330108MA2H00001")
GOOD = [
    f"非制冷红外热像仪,IR-640U,杭州热眸光电有限公司,{USCC},首台（套）装备,特殊成像,国家级,2022,第一批,钱塘区,"
    "640×512,基于氧化钒非制冷红外探测器的热像仪,某变电站",
    "测温型热成像摄像机,TC-384,杭州热眸光电有限公司,,首台（套）装备,特殊成像,市级,2021,,钱塘区,,人员体温筛查,",
    "肺结节CT影像辅助诊断软件,AI-LN V3.0,杭州深影智能科技有限公司,,首版次软件,医学影像,省级,2023,,西湖区,,辅助诊断,",
]


def csv_bytes(lines, bom=False) -> bytes:
    return (("\ufeff" if bom else "") + "\n".join([HEADER, *lines]) + "\n").encode()


def count(db, model=Product) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_clean_csv_is_imported_approved_and_searchable(db, search_index):
    result = importer.read(csv_bytes(GOOD, bom=True), "list.csv")
    assert result.ok, result.problems
    imported = import_products(result.rows, None, source_name="list.csv")
    db.session.commit()
    assert len(imported.created) == 3 and imported.organizations == 2
    products = db.session.scalars(select(Product)).all()
    assert {p.state for p in products} == {ProductState.APPROVED}
    thermal = next(p for p in products if p.model == "IR-640U")
    assert thermal.organization.uscc == USCC and thermal.sector == "special_imaging" and thermal.year == 2022
    assert thermal.organization.is_verified


@pytest.mark.parametrize("line, reason", [
    (",M-1,某公司,,首台（套）装备,特殊成像,国家级,2022,,,,,", "缺少产品名称"),
    ("产品,M-1,某公司,,首台（套）装备,天文望远镜,国家级,2022,,,,,", "未知领域“天文望远镜”"),
    ("产品,M-1,某公司,,首台（套）装备,特殊成像,国家级,1999,,,,,", "年度 1999 超出范围"),
    ("产品,M-1,某公司,,首台（套）装备,特殊成像,国家级,明年,,,,,", "年度“明年”不是年份"),
    ("产品,M-1,某公司,,首台套装备X,特殊成像,国家级,2022,,,,,", "未知类型"),
    ("产品,M-1,某公司,,首台（套）装备,特殊成像,县级,2022,,,,,", "未知级别"),
    ("产品,M-1,某公司,913301080MA2H000010,首台（套）装备,特殊成像,国家级,2022,,,,,", "统一社会信用代码应为18位"),
    ("产品,M-1,某公司,,首台（套）装备,特殊成像,国家级,2022,,南京市,,,", "未知区县市“南京市”"),
])
def test_each_bad_row_is_named_with_its_reason(line, reason):
    result = importer.read(csv_bytes([GOOD[0], line]), "list.csv")
    assert not result.ok
    assert [number for number, _problem in result.problems] == [3]
    assert reason in result.problems[0][1]


def test_a_duplicate_row_and_a_wrong_header_are_reported():
    result = importer.read(csv_bytes([GOOD[0], GOOD[0]]), "list.csv")
    assert result.problems == [(3, "与第 2 行重复（同一企业的同一型号）")]
    result = importer.read("名称,价格\n产品,100\n".encode(), "list.csv")
    assert any("表头缺少列" in problem for _line, problem in result.problems)
    assert any("无法识别的列：价格" in problem for _line, problem in result.problems)


def test_a_file_that_is_not_utf8_is_refused():
    result = importer.read(("\n".join([HEADER, GOOD[1]])).encode("gb18030"), "list.csv")
    assert not result.ok and "UTF-8" in result.problems[0][1]


def test_reimporting_the_same_list_changes_nothing_and_an_edit_updates_in_place(db, search_index):
    for _ in range(2):
        import_products(importer.read(csv_bytes(GOOD), "list.csv").rows, None)
        db.session.commit()
    assert count(db) == 3 and count(db, Organization) == 2
    edited = [GOOD[0].replace("国家级,2022", "国家级,2023"), *GOOD[1:]]
    again = import_products(importer.read(csv_bytes(edited), "list.csv").rows, None)
    db.session.commit()
    assert (len(again.created), len(again.updated), again.unchanged) == (0, 1, 2)
    assert db.session.scalar(select(Product.year).where(Product.model == "IR-640U")) == 2023


def test_xlsx_with_chinese_headers_is_read():
    book = Workbook()
    sheet = book.active
    sheet.append(["产品名称", "型号", "企业名称", "产品类型", "所属领域", "认定级别", "认定年度"])
    sheet.append(["石墨烯导热膜", "GT-F25", "杭州烯材科技有限公司", "首批次新材料", "其他", "省级", 2023])
    data = io.BytesIO()
    book.save(data)
    result = importer.read(data.getvalue(), "清单.xlsx")
    assert result.ok, result.problems
    assert result.rows[0]["type"] == "material" and result.rows[0]["year"] == 2023


def test_the_whole_sample_catalogue_is_valid():
    items = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    for item in items:
        _row, problems = importer.check_row({k: str(v) for k, v in item.items()})
        assert problems == [], item["name"]


def test_cli_refuses_a_bad_file_then_imports_the_fixed_one_with_progress(app, db, tmp_path, search_index):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([GOOD[0], GOOD[1].replace("2021", "1990")]))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-products", str(bad)])
    assert result.exit_code != 0
    assert "第 3 行" in result.output and "1990" in result.output and "未导入任何产品" in result.output
    assert count(db) == 0
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(GOOD))
    result = runner.invoke(args=["import-products", str(good)])
    assert result.exit_code == 0, result.output
    assert "新增 3 个" in result.output and "导入 3/3" in result.output
    assert "剩余" in result.output
    result = runner.invoke(args=["import-products", str(good)])
    assert "新增 0 个，更新 0 个，未变 3 个" in result.output


def test_admin_upload_reports_bad_rows_then_imports(client, login_as, create_user, db, search_index):
    login_as(create_user(Role.ADMIN))
    bad = csv_bytes([GOOD[0], GOOD[1].replace("特殊成像", "天文")])
    page = client.post("/admin/catalogue/import", data={"file": (io.BytesIO(bad), "list.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "未导入任何产品" in page and "第 3 行" in page and "未知领域“天文”" in page
    assert count(db) == 0
    response = client.post("/admin/catalogue/import", data={"file": (io.BytesIO(csv_bytes(GOOD)), "list.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "导入完成：新增 3 个" in response.get_data(as_text=True)
    assert "<mark>热像仪</mark>" in client.get("/search?q=热像仪").get_data(as_text=True)


def test_admin_upload_refuses_other_file_types(client, login_as, create_user, db):
    login_as(create_user(Role.ADMIN))
    page = client.post("/admin/catalogue/import", data={"file": (io.BytesIO(b"x"), "list.pdf")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "只接受 CSV" in page and count(db) == 0

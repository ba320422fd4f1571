"""The 首台（套）推广目录: approved products for buyers as a PDF, grouped by 领域, optionally of one 领域."""

import io

import pypdf
import pytest


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def products(create_product):
    return {
        "thermal": create_product(
            name="非制冷红外热像仪", model="IR-640U", sector="special_imaging", level="national", year=2024
        ),
        "camera": create_product(
            name="智能网络摄像机", model="DS-2CD", sector="security", level="provincial", year=2023
        ),
        "gate": create_product(name="人脸识别闸机", model="FG-01", sector="security", level="municipal", year=2025),
        "pending": create_product(name="待审核的激光雷达", model="LR-1", sector="autonomous_driving", state="pending"),
        "revoked": create_product(name="已撤销的内窥镜", model="EN-2", sector="medical_imaging", state="revoked"),
    }


def test_approved_products_are_listed_by_sector_with_model_enterprise_level_and_year(client, products):
    text = text_of(client.get("/products/catalogue.pdf"))
    assert "首台（套）推广目录" in text and "有效期内产品共3个" in text
    # 领域 in the portal's order (数字安防 before 特殊成像), each product under its own.
    security, imaging = text.index("数字安防（2个）"), text.index("特殊成像（1个）")
    assert security < text.index("智能网络摄像机") < imaging
    assert security < text.index("人脸识别闸机") < imaging
    assert imaging < text.index("非制冷红外热像仪")
    thermal = products["thermal"]
    for expected in (
        "IR-640U",
        thermal.organization.name,
        "国家级",
        "2024",
        "省级",
        "市级",
        "视频监控",
        "门禁与身份识别",
    ):
        assert expected in text, expected
    assert "激光雷达" not in text and "内窥镜" not in text  # only approved products are public


def test_only_products_within_their_validity_are_printed(client, create_product, products):
    create_product(name="过期的巡检机器人", model="OLD-9", sector="security", year=2015, validity_years=3)
    text = text_of(client.get("/products/catalogue.pdf"))
    assert "巡检机器人" not in text and "有效期内产品共3个" in text


def test_the_sector_filter_keeps_one_sector(client, products):
    text = text_of(client.get("/products/catalogue.pdf?sector=security"))
    assert "数字安防（2个）" in text and "智能网络摄像机" in text and "人脸识别闸机" in text
    assert "特殊成像" not in text and "热像仪" not in text
    assert "有效期内产品共2个" in text


@pytest.mark.parametrize("value", ["nonsense", "安防", "security'--", "x" * 500])
def test_an_unknown_sector_is_refused_in_chinese(client, products, value):
    response = client.get("/products/catalogue.pdf", query_string={"sector": value})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "这个领域" in page and "security（数字安防）" in page


def test_an_empty_filter_means_every_sector(client, products):
    assert "有效期内产品共3个" in text_of(client.get("/products/catalogue.pdf?sector="))


def test_an_empty_catalogue_still_prints(client, db):
    assert "没有符合条件的产品。" in text_of(client.get("/products/catalogue.pdf"))


def test_the_product_list_links_to_the_catalogue_of_the_chosen_sector(client, products):
    assert "/products/catalogue.pdf" in client.get("/products").get_data(as_text=True)
    assert "/products/catalogue.pdf?sector=security" in client.get("/products?sector=security").get_data(as_text=True)

"""领域/类别: the shipped taxonomy, classification of real list rows, reviewers' corrections, the search text."""

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit.models import AuditRecord
from portal.catalogue import classify, importer
from portal.catalogue.models import Product
from portal.catalogue.operations import import_products
from portal.reference import SECTORS

REAL = Path(__file__).resolve().parents[1] / "data" / "real_products.json"


def test_the_taxonomy_ships_and_every_category_belongs_to_a_known_sector():
    categories = classify.taxonomy()
    assert len(categories) >= 40
    assert {c.sector for c in categories} <= SECTORS.keys()
    assert len({c.code for c in categories}) == len(categories)


@pytest.mark.parametrize("text, error", [
    ('[[sector]]\ncode = "astronomy"\n', "not one of"),
    ('[[sector]]\ncode = "other"\n[[sector.category]]\ncode = "x"\nlabel = "X"\n', "lacks"),
    ('[[sector]]\ncode = "other"\n[[sector.category]]\ncode = "x"\nlabel = "X"\nlabel_en = "X"\nkeywords = []\n'
     'source = "s"\n', "non-empty keywords"),
    ("[[sector", "not valid TOML"),
])
def test_a_malformed_taxonomy_is_refused_with_its_reason(text, error):
    with pytest.raises(classify.TaxonomyError, match=error):
        classify.parse(text)


@pytest.mark.parametrize("name, expected", [
    ("泥水平衡盾构机", ("other", "construction_machinery")),
    ("1.5T无液氦超导磁体系统", ("medical_imaging", "mri")),
    ("高温静电除尘器", ("other", "environmental")),
    ("非制冷红外热像仪", ("special_imaging", "infrared")),
    ("全自动水稻插秧机", ("other", "agricultural")),
])
def test_a_product_name_gives_its_sector_and_category(name, expected):
    assert tuple(classify.classify(name).__dict__.values()) == expected


def test_a_given_sector_is_kept_and_words_without_keywords_stay_uncategorized():
    assert classify.classify("高温静电除尘器", sector="security").category != "environmental"
    assert classify.classify("某某产品") == classify.Classification("other", None)
    assert classify.classify("某某产品", sector="security") == classify.Classification("security", None)


def test_latin_abbreviations_match_whole_words_only():
    assert classify.classify("64排CT").category == "ct"
    assert classify.classify("CTO管理平台").category != "ct"


def test_software_and_materials_are_kept_to_their_own_categories():
    assert classify.classify("工业仿真软件 CAE", product_type="software").category == "industrial_software"
    assert classify.classify("T800级碳纤维", product_type="material").category == "fiber_composites"
    assert classify.classify("碳纤维缠绕生产线").category not in classify.MATERIALS


def test_classification_accuracy_on_the_real_lists(capsys):
    """Measured on hand labels of the real set (the published lists give no field); printed, with a floor."""
    items = json.loads(REAL.read_text(encoding="utf-8"))
    labelled = [i for i in items if i["expected_category"]]

    def found(item):  # as at import: the list's 类型 keeps materials and software to their own categories
        return classify.classify(item["name"], item["model"], product_type=importer.TYPES[item["type"]])

    right = [i for i in labelled if found(i).category == i["expected_category"]]
    sectors = [i for i in items if found(i).sector == i["expected_sector"]]
    with capsys.disabled():
        print(f"\nclassification on {len(labelled)} labelled real products: category {len(right)}/{len(labelled)}, "
              f"sector {len(sectors)}/{len(items)}")
    assert len(right) / len(labelled) >= 0.85
    assert len(sectors) == len(items)


def test_every_real_product_imports_as_published(db, search_index):
    """Old years, no model, no specs, no description, no sector: real lists import as they are."""
    items = json.loads(REAL.read_text(encoding="utf-8"))
    assert len({i["province"] for i in items}) >= 4 and min(i["year"] for i in items) < 2015
    rows = []
    for item in items:
        row, problems = importer.check_row({k: str(v) for k, v in item.items()})
        assert problems == [], (item["name"], problems)
        rows.append(row)
    result = import_products(rows, None, source_name="real_products.json")
    db.session.commit()
    assert len(result.created) == len(items)
    products = db.session.scalars(select(Product)).all()
    assert all(p.sector for p in products)
    # Every product a category of the taxonomy fits is classified; the few that none fits (nuclear graphite,
    # rare-earth magnets, armour ceramics…: their hand label is empty) stay without one rather than a wrong one.
    fitting = {i["name"] for i in items if i["expected_category"]}
    assert all(p.category for p in products if p.name in fitting)
    assert sum(1 for p in products if p.category) >= 0.9 * len(products)
    old = next(p for p in products if p.year == 2007)
    assert old.model == "" and old.description == "" and old.category == "general_machinery"


def test_a_listed_category_wins_over_classification(db, search_index):
    row, problems = importer.check_row({"name": "高温静电除尘器", "company": "某公司", "type": "首台（套）装备",
                                        "level": "省级", "year": "2012", "category": "节能装备"})
    assert problems == [] and row["category"] == "energy_saving" and row["sector"] is None
    product = import_products([row], None).created[0]
    assert (product.sector, product.category) == ("other", "energy_saving")


def test_a_correction_survives_reimport_and_is_audited(app, client, login_as, create_user, db, search_index):
    row, _problems = importer.check_row({"name": "高温静电除尘器", "company": "某公司", "type": "首台（套）装备",
                                         "level": "省级", "year": "2016"})
    product = import_products([row], None).created[0]
    db.session.commit()
    assert product.category == "environmental"
    login_as(create_user(Role.GOVERNMENT))
    response = client.post(f"/review/products/{product.id}/classification",
                           data={"sector": "other", "category": "energy_saving"})
    assert response.status_code == 302
    db.session.refresh(product)
    assert product.category == "energy_saving"
    assert db.session.scalar(select(AuditRecord).where(AuditRecord.action == "product.classify",
                                                       AuditRecord.object_id == product.id)) is not None
    import_products([row], None)
    db.session.commit()
    db.session.refresh(product)
    assert product.category == "energy_saving"


def test_a_category_of_another_sector_is_refused_in_chinese(client, login_as, create_user, db, search_index):
    row, _problems = importer.check_row({"name": "高温静电除尘器", "company": "某公司", "type": "首台（套）装备",
                                         "level": "省级", "year": "2016"})
    product = import_products([row], None).created[0]
    db.session.commit()
    login_as(create_user(Role.ADMIN))
    page = client.post(f"/review/products/{product.id}/classification",
                       data={"sector": "security", "category": "energy_saving"}, follow_redirects=True)
    assert "该类别不属于所选领域" in page.get_data(as_text=True)
    db.session.refresh(product)
    assert product.category == "environmental"


def test_an_enterprise_cannot_correct_the_classification(client, login_as, create_user, db, search_index):
    row, _problems = importer.check_row({"name": "高温静电除尘器", "company": "某公司", "type": "首台（套）装备",
                                         "level": "省级", "year": "2016"})
    product = import_products([row], None).created[0]
    db.session.commit()
    login_as(create_user(Role.ENTERPRISE))
    response = client.post(f"/review/products/{product.id}/classification",
                           data={"sector": "other", "category": "energy_saving"})
    assert response.status_code == 403


def test_the_category_is_shown_and_is_a_facet(client, db, search_index):
    rows = [importer.check_row({"name": n, "company": "某公司", "type": "首台（套）装备", "level": "省级",
                                "year": "2016", "model": m})[0]
            for n, m in (("高温静电除尘器", "A"), ("泥水平衡盾构机", "B"))]
    products = import_products(rows, None).created
    db.session.commit()
    page = client.get(f"/products/{products[0].id}").get_data(as_text=True)
    assert "环保装备" in page
    listing = client.get("/products?category=construction_machinery").get_data(as_text=True)
    assert "泥水平衡盾构机" in listing and "高温静电除尘器" not in listing
    assert "工程机械 (1)" in listing


def test_the_classification_text_carries_sector_and_category_labels(db, search_index):
    row, _problems = importer.check_row({"name": "海上移动式变电站", "company": "某公司", "type": "首台（套）装备",
                                         "level": "省级", "year": "2016"})
    product = import_products([row], None).created[0]
    assert "其他/多元" in product.classification_text
    assert "输变电装备" in product.classification_text and "Power transmission" in product.classification_text


def test_cli_can_import_the_good_rows_and_name_the_bad_ones(app, db, tmp_path, search_index):
    header = "name,company,type,level,year"
    path = tmp_path / "list.csv"
    path.write_text("\n".join([header, "高温静电除尘器,某公司,首台（套）装备,省级,2012",
                               "无名产品,某公司,首台（套）装备,省级,1990",
                               "海上移动式变电站,某公司,首台（套）装备,省级,2016"]) + "\n", encoding="utf-8")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["import-products", str(path)])
    assert refused.exit_code != 0 and "未导入任何产品" in refused.output
    result = runner.invoke(args=["import-products", "--skip-invalid", str(path)])
    assert result.exit_code == 0, result.output
    assert "第 3 行" in result.output and "1990" in result.output and "新增 2 个" in result.output
    assert {p.year for p in db.session.scalars(select(Product))} == {2012, 2016}

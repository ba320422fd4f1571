"""Taking the published lists and the results away: CSV that Excel reads, XLSX, with formula cells neutralised."""

import csv
import io

import pytest
from openpyxl import load_workbook

from portal.util.spreadsheets import XLSX_MIMETYPE


def table(response) -> list[list[str]]:
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    if response.mimetype == "text/csv":
        assert response.data.startswith("\ufeff".encode())  # Excel needs the BOM to read UTF-8
        return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert response.mimetype == XLSX_MIMETYPE
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_batch_list_downloads_with_its_public_scenarios_only(client, open_data, fmt):
    page = client.get(f"/batches/{open_data.batch.id}").text
    assert f"/scenarios.{fmt}?batch={open_data.batch.id}" in page
    header, *rows = table(client.get(f"/scenarios.{fmt}", query_string={"batch": open_data.batch.id}))
    assert header[:3] == ["编号", "场景名称", "清单批次"]
    titles = {row[1] for row in rows}
    assert titles == {open_data.open.title, open_data.final.title, open_data.decided.title}
    assert {row[2] for row in rows} == {open_data.batch.title}


def test_the_filtered_list_downloads_what_the_page_lists(client, open_data):
    query = {"status": "published", "sector": "special_imaging"}
    page = client.get("/scenarios", query_string=query).text
    assert "/scenarios.xlsx?" in page and "status=published" in page
    header, *rows = table(client.get("/scenarios.csv", query_string=query))
    assert [row[1] for row in rows] == [open_data.open.title]
    assert rows[0][6] == "揭榜中" and rows[0][-1].endswith(f"/scenarios/{open_data.open.id}")
    everything = table(client.get("/scenarios.csv"))[1:]
    assert open_data.draft.title not in {row[1] for row in everything} and len(everything) == 5


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_results_download_lists_the_final_results(client, open_data, fmt):
    assert f"/results.{fmt}" in client.get("/results").text
    header, *rows = table(client.get(f"/results.{fmt}"))
    assert header == ["清单批次", "场景", "发布单位", "揭榜单位", "公示开始", "公示结束"]
    assert [(row[1], row[3]) for row in rows] == [(open_data.final.title, open_data.winner)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_cells_are_neutralised(client, create_scenario, fmt):
    create_scenario(state="published", title="=HYPERLINK(\"http://example.com\",\"点我\")")
    header, row = table(client.get(f"/scenarios.{fmt}"))
    assert row[1] == "'=HYPERLINK(\"http://example.com\",\"点我\")"

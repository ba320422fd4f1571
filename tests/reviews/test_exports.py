"""The department's exports: CSV with a BOM and XLSX, with every reviewer's total and score, bidders named."""

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook

from portal.reviews import exports, queries
from portal.reviews.scoring import shown
from tests.reviews.helpers import assign, fully_reviewed

TOTALS = [[85, 80, 90, 70, 88], [60, 92, 75, 78, 80], [70, 72, 74, 76, 78]]


def _csv(response):
    assert response.data.startswith("\ufeff".encode())  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def _xlsx(response):
    sheet = load_workbook(io.BytesIO(response.data)).active
    return sheet.title, [[_text(c) for c in row] for row in sheet.iter_rows(values_only=True)]


def _text(cell) -> str:
    if cell is None:
        return ""
    return str(cell)


def _same(table):
    """Cells compared by value: the workbook holds scores as numbers, the CSV as text with two decimals."""
    def value(cell):
        try:
            return Decimal(cell)
        except ArithmeticError:
            return cell
    return [[value(c) for c in row] for row in table]


def test_scores_are_numbers_in_the_workbook_not_text(client, login_as, closed, department, reviewers):
    fully_reviewed(closed, reviewers[:5], TOTALS)
    login_as(department)
    for kind, first_score_column in (("ranking", 6), ("scores", 4)):
        sheet = load_workbook(io.BytesIO(client.get(f"/manage/scenarios/{closed.id}/ranking/{kind}.xlsx").data)).active
        row = next(sheet.iter_rows(min_row=2, max_row=2))
        cell = row[first_score_column]
        assert cell.data_type == "n" and isinstance(cell.value, float | int), (kind, cell.value)
        assert cell.number_format == "0.00"


def test_ranking_exports_agree_with_each_other_and_with_a_hand_computation(client, login_as, closed, department,
                                                                           reviewers, bidders):
    fully_reviewed(closed, reviewers[:5], TOTALS)
    login_as(department)
    as_csv = _csv(client.get(f"/manage/scenarios/{closed.id}/ranking/ranking.csv"))
    title, as_xlsx = _xlsx(client.get(f"/manage/scenarios/{closed.id}/ranking/ranking.xlsx"))
    assert title == "评审排名"
    assert _same(as_csv) == _same(as_xlsx)
    header, *rows = as_csv
    assert header[:6] == ["排名", "方案", "揭榜单位", "统一社会信用代码", "方案名称", "提交时间"]
    assert header[-5:] == ["有效平均分", "计分方式", "极差", "需讨论", "技术先进性平均分"]
    assert [r[0] for r in rows] == ["1", "2", "3"]
    assert [r[2] for r in rows] == [b.organization.name for b in bidders]
    assert [r[3] for r in rows] == [b.organization.uscc for b in bidders]
    for row, totals in zip(rows, TOTALS, strict=True):
        assert [Decimal(v) for v in row[6:11]] == [Decimal(t) for t in totals]
        kept = sorted(totals)[1:-1]
        assert Decimal(row[11]) == (Decimal(sum(kept)) / 3).quantize(Decimal("0.01"))
    assert [r[14] for r in rows] == ["否", "是", "否"]


def test_the_scores_export_has_one_row_per_review_with_scores_and_comments(client, login_as, closed, department,
                                                                          reviewers):
    fully_reviewed(closed, reviewers[:5], TOTALS)
    login_as(department)
    header, *rows = _csv(client.get(f"/manage/scenarios/{closed.id}/ranking/scores.csv"))
    assert header[4:8] == ["技术先进性（30）", "方案可行性（30）", "团队实力（20）", "经济合理性（20）"]
    assert len(rows) == 15
    first = rows[0]
    assert first[0] == "A" and first[2] == reviewers[0].name
    assert [Decimal(v) for v in first[4:8]] == [30, 30, 20, 5] and Decimal(first[8]) == 85
    assert first[-1] == "方案可行，建议支持。" and first[10] == "评语0"
    response = client.get(f"/manage/scenarios/{closed.id}/ranking/scores.xlsx")
    assert response.mimetype == exports.XLSX_MIMETYPE
    assert _same(_xlsx(response)[1]) == _same([header, *rows])


def test_cells_that_a_spreadsheet_would_run_are_neutralised():
    assert exports.safe_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert exports.safe_cell("+1") == "'+1" and exports.safe_cell("-1") == "'-1" and exports.safe_cell("@a") == "'@a"
    assert exports.safe_cell("道路巡检") == "道路巡检" and exports.safe_cell(85) == 85


def test_the_ranking_page_ranks_and_names_what_the_exports_do(closed, reviewers):
    # The page reads narrow rows (queries.ranking_lines), the exports objects (queries.ranking): one rule, one result.
    fully_reviewed(closed, reviewers[:5], [[70, 72, 74, 76, 78], [85, 80, 90, 70, 88], [60, 92, 75, 78, 80]])
    assign(closed, reviewers[5:])  # a sixth review of each proposal, not submitted: what keeps the decision back
    lines, full = queries.ranking_lines(closed), queries.ranking(closed, details=True)
    assert [line.rank for line in lines.rows] == ["1", "2", "3"]
    assert [line.id for line in lines.rows] != sorted(line.id for line in lines.rows)  # ranked, not listed
    assert len(full.problems) == 3 and lines.problems == full.problems
    assert [(line.id, line.label, line.rank, line.score, line.spread, line.flagged, line.first_criterion_mean)
            for line in lines.rows] == [
        (row.proposal.id, row.label, str(row.result.rank), shown(row.result.score), shown(row.result.spread),
         row.result.flagged, shown(row.result.first_criterion_mean)) for row in full.rows]
    assert [line.totals for line in lines.rows] == [
        tuple(f"{review.reviewer.name}：{shown(total)}" for review, total in zip(row.reviews, row.result.totals,
                                                                              strict=True)) for row in full.rows]
    assert [(line.bidder_names, line.organization_name, line.title) for line in lines.rows] == [
        (row.proposal.bidder_names, row.proposal.organization.name, row.proposal.latest_version.title)
        for row in full.rows]

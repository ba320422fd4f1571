"""The department's exports of a ranking: CSV (UTF-8 with BOM, so Excel reads the Chinese) and XLSX.

They name bidders and reviewers: only the owning department can reach them, blind mode or not.
"""

from decimal import ROUND_HALF_UP, Decimal

from flask import Response
from flask_babel import gettext as _

from portal.reviews.scoring import shown  # noqa: F401 -- the pages show what the exports write as numbers
from portal.util import clock
from portal.util.spreadsheets import XLSX_MIMETYPE, download, safe_cell  # noqa: F401 -- used by the pages and tests


def ranking_table(ranking) -> tuple[list[str], list[list]]:
    first = ranking.criteria[0][0] if ranking.criteria else ""
    width = max((len(row.result.totals) for row in ranking.rows), default=0)
    header = [_("排名"), _("方案"), _("揭榜单位"), _("统一社会信用代码"), _("方案名称"), _("提交时间")]
    header += [_("专家%(n)d总分", n=i + 1) for i in range(width)]
    header += [_("有效平均分"), _("计分方式"), _("极差"), _("需讨论"), _("%(name)s平均分", name=first)]
    rows = []
    for row in ranking.rows:
        result, version = row.result, row.proposal.latest_version
        totals = [number(t) for t in result.totals] + [""] * (width - len(result.totals))
        rows.append([result.rank or "", row.label, row.proposal.organization.name, row.proposal.organization.uscc or "",
                     version.title, _local(version.submitted_at), *totals, number(result.score),
                     _("去掉一个最高分和一个最低分后平均") if result.trimmed else _("算术平均"), number(result.spread),
                     _("是") if result.flagged else _("否"), number(result.first_criterion_mean)])
    return header, rows


def scores_table(ranking) -> tuple[list[str], list[list]]:
    names = [name for name, _w in ranking.criteria]
    header = [_("方案"), _("揭榜单位"), _("评审专家"), _("专家单位")]
    header += [f"{name}（{weight}）" for name, weight in ranking.criteria]
    header += [_("总分"), _("提交时间")] + [_("%(name)s评语", name=n) for n in names] + [_("总体意见")]
    rows = []
    for row in sorted(ranking.rows, key=lambda r: r.label):
        for review in row.reviews:
            scores = [review.score_at(i) for i in range(len(names))]
            values = [s.score if s else None for s in scores]
            rows.append([row.label, row.proposal.organization.name, review.reviewer.name,
                         review.reviewer.organization.name, *[number(v) for v in values],
                         number(sum(v for v in values if v is not None)), _local(review.submitted_at),
                         *[s.comment if s else "" for s in scores], review.opinion])
    return header, rows


def number(value: Decimal | None):
    """A score as a number (two decimals, half up, as the pages show it), so a spreadsheet can sum and sort it;
    an empty cell when there is none."""
    if value is None:
        return ""
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _local(moment) -> str:
    local = clock.to_local(moment)
    return local.strftime("%Y-%m-%d %H:%M:%S") if local else ""


def response(scenario, ranking, kind: str, fmt: str) -> Response:
    header, rows = ranking_table(ranking) if kind == "ranking" else scores_table(ranking)
    title = _("评审排名") if kind == "ranking" else _("评分明细")
    return download(f"{kind}-{scenario.id}", title, header, rows, fmt, filename=f"{title}-{scenario.id}", private=True)

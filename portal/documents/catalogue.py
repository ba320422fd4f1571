"""The 首台（套）推广目录: approved catalogue products for buyers, grouped by 领域 and, within one, by 类别."""

from itertools import groupby

from flask_babel import get_locale
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table, TableStyle

from portal.catalogue.classify import category as find_category
from portal.catalogue.classify import taxonomy
from portal.catalogue.models import LEVEL_LABELS
from portal.documents.layout import render, styles, text
from portal.errors import DomainError
from portal.reference import SECTORS, sector_label
from portal.util import clock

WIDTHS = [54 * mm, 32 * mm, 52 * mm, 18 * mm, 18 * mm]
GRID = colors.HexColor("#b8b8b8")


class UnknownSector(DomainError):
    status_code = 400


def sector_filter(value: str | None) -> str | None:
    """The 领域 code asked for, None for every 领域; an unknown code is refused with the list of known ones."""
    value = (value or "").strip()
    if not value:
        return None
    if value not in SECTORS:
        raise UnknownSector(
            _(
                "没有“%(value)s”这个领域。可选：%(known)s。",
                value=value[:40],
                known="、".join(f"{code}（{label}）" for code, label in SECTORS.items()),
            )
        )
    return value


def filename(sector: str | None) -> str:
    return f"首台套推广目录-{sector_label(sector)}.pdf" if sector else "首台套推广目录.pdf"


def catalogue_pdf(rows, sector: str | None = None) -> bytes:
    """The 推广目录 of `rows` (catalogue.queries.printable_catalogue), one section per 领域 in the portal's order."""
    s = styles()
    title = _("首台（套）推广目录")
    scope = sector_label(sector) if sector else _("全部领域")
    story = [
        Paragraph(title, s["title"]),
        Paragraph(
            text(
                _(
                    "幸会·杭州 场景机会平台 · %(scope)s · 有效期内产品共 %(n)d 个 · %(date)s 生成",
                    scope=scope,
                    n=len(rows),
                    date=clock.to_local(clock.now()).strftime("%Y-%m-%d"),
                )
            ),
            s["subtitle"],
        ),
    ]
    if not rows:
        story.append(Paragraph(_("没有符合条件的产品。"), s["body"]))
    for code, in_sector in _grouped(rows):
        story.append(
            Paragraph(text(_("%(sector)s（%(n)d 个）", sector=sector_label(code), n=len(in_sector))), s["heading"])
        )
        for label, in_category in groupby(in_sector, key=_category_label):
            products = list(in_category)
            story.append(Paragraph(text(label), s["subheading"]))
            story.append(_table(products, s))
    return render(story, title=f"{title} · {scope}", subject=_("首台（套）/首版次产品，按领域分组"), footer=title)


def _grouped(rows) -> list[tuple[str, list]]:
    """Rows by 领域 in the order of SECTORS; within one, by 类别 in taxonomy.toml's order, unclassified last."""
    sectors = {code: index for index, code in enumerate(SECTORS)}
    categories = {c.code: index for index, c in enumerate(taxonomy())}
    ordered = sorted(
        rows, key=lambda r: (sectors.get(r.sector, len(sectors)), categories.get(r.category, len(categories)))
    )
    return [(code, list(group)) for code, group in groupby(ordered, key=lambda r: r.sector)]


def _category_label(row) -> str:
    found = find_category(row.category)
    if found is None:
        return _("其他")
    return found.label_en if str(get_locale()) == "en" else found.label


def _table(products, s) -> Table:
    cell = s["cell"]
    header = [Paragraph(label, cell) for label in (_("产品名称"), _("型号"), _("企业"), _("级别"), _("年度"))]
    # Level and year never wrap: plain strings in the table's font cost a tenth of a paragraph.
    body = [
        [
            Paragraph(text(p.name), cell),
            Paragraph(text(p.model), cell),
            Paragraph(text(p.enterprise), cell),
            str(LEVEL_LABELS[p.level]),
            str(p.year),
        ]
        for p in products
    ]
    table = Table([header, *body], colWidths=WIDTHS, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), cell.fontName),
                ("FONTSIZE", (0, 0), (-1, -1), cell.fontSize),
                ("LEADING", (0, 0), (-1, -1), cell.leading),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("GRID", (0, 0), (-1, -1), 0.25, GRID),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table

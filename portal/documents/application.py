"""The 申报书: one submitted proposal version as a printable PDF, with its receipt and a QR code to verify it.

Everything printed is the version as submitted (the immutable ProposalVersion and its files), so the digests on
paper are the ones the receipt covers and /verify recomputes.
"""

import html

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from portal.documents.layout import QRCode, paragraphs, render, styles, text
from portal.reference import sector_label
from portal.uploads.names import format_size
from portal.util.text import html_to_text
from portal.web.templating import localtime, money

QR_SIZE = 34 * mm
GRID = colors.HexColor("#b8b8b8")


def filename(version) -> str:
    return f"申报书-{version.receipt_no}.pdf"


def application_pdf(version, verify_url: str) -> bytes:
    """The 申报书 of `version`; its QR code and printed link open `verify_url` (the receipt's check)."""
    s = styles()
    proposal = version.proposal
    scenario = proposal.scenario
    note = _(
        "本申报书由平台根据第 %(n)d 版提交内容生成。回执摘要（SHA-256）按平台公布的规范格式对该版本的全部内容"
        "和附件摘要计算，扫描二维码或打开下列地址即可核验：",
        n=version.number,
    )
    link = f'<link href="{html.escape(verify_url)}">{text(verify_url)}</link>'
    story = [
        Paragraph(_("揭榜挂帅方案申报书"), s["title"]),
        Paragraph(text(_("幸会·杭州 场景机会平台 · 回执编号 %(receipt)s", receipt=version.receipt_no)), s["subtitle"]),
        _head(version, verify_url, s),
        Paragraph(_("一、揭榜单位"), s["heading"]),
        _bidders(version, s),
        Paragraph(_("二、方案内容"), s["heading"]),
        *_content(version, s),
        Paragraph(_("三、附件清单"), s["heading"]),
        _attachments(version, s),
        Spacer(1, 6 * mm),
        # The note and the link it announces stay on one page.
        KeepTogether([Paragraph(text(note), s["small"]), Paragraph(link, s["code"])]),
    ]
    return render(
        story,
        title=_("申报书 %(receipt)s", receipt=version.receipt_no),
        subject=scenario.title,
        footer=_("申报书 %(receipt)s", receipt=version.receipt_no),
    )


def _facts(rows, s, widths) -> Table:
    table = Table(
        [
            [
                Paragraph(text(label), s["cell"]),
                value if not isinstance(value, str) else Paragraph(text(value), s["cell"]),
            ]
            for label, value in rows
        ],
        colWidths=widths,
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TEXTCOLOR", (0, 0), (0, -1), colors.HexColor("#555555")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _head(version, verify_url: str, s) -> Table:
    """The receipt's facts beside the QR code."""
    scenario = version.proposal.scenario
    rows = [
        (_("回执编号"), version.receipt_no),
        (_("场景"), scenario.title),
        (_("场景编号"), str(scenario.id)),
        (_("发布单位"), scenario.department.name),
        (_("清单批次"), scenario.batch.title),
        (_("领域 / 区县市"), f"{sector_label(scenario.sector)} / {scenario.district_label}"),
        (_("版本"), _("第 %(n)d 版", n=version.number)),
        (_("提交时间"), _("%(time)s（北京时间）", time=localtime(version.submitted_at, "%Y-%m-%d %H:%M:%S"))),
        (_("摘要（SHA-256）"), Paragraph(text(version.digest), s["code"])),
    ]
    facts = _facts(rows, s, [30 * mm, 98 * mm])
    qr = QRCode(verify_url, QR_SIZE, _("扫码核验回执"))
    table = Table([[facts, qr]], colWidths=[130 * mm, 44 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _bidders(version, s) -> Table:
    lead = version.proposal.organization
    lead_label = _("联合体牵头单位") if version.members else _("揭榜单位")
    rows = [(lead_label, _("%(name)s（统一社会信用代码 %(uscc)s）", name=lead.name, uscc=lead.uscc or "—"))]
    rows += [
        (_("联合体成员"), _("%(name)s（统一社会信用代码 %(uscc)s）", name=member.name, uscc=member.uscc or "—"))
        for member in version.members
    ]
    return _facts(rows, s, [30 * mm, 144 * mm])


def _content(version, s) -> list:
    story = [
        _facts(
            [
                (_("方案名称"), version.title),
                (_("报价"), money(version.price)),
                (_("实施周期"), _("%(n)d 个月", n=version.plan_months)),
            ],
            s,
            [30 * mm, 144 * mm],
        )
    ]
    sections = (
        (_("方案摘要"), version.summary),
        (_("技术路线"), html_to_text(version.approach_html)),
        (_("团队情况"), version.team),
        (_("过往案例"), version.cases),
    )
    for heading, body in sections:
        story.append(Paragraph(heading, s["subheading"]))
        story.extend(paragraphs(body, s["body"]) or [Paragraph(_("（未填写）"), s["small"])])
    return story


def _attachments(version, s):
    if not version.attachments:
        return Paragraph(_("无附件。"), s["body"])
    header = [Paragraph(label, s["cell"]) for label in ("#", _("文件名"), _("大小"), "SHA-256")]
    rows = [
        [
            Paragraph(str(number), s["cell"]),
            Paragraph(text(attachment.display_name), s["cell"]),
            Paragraph(format_size(attachment.size), s["cell"]),
            Paragraph(text(attachment.sha256), s["code"]),
        ]
        for number, attachment in enumerate(version.attachments, start=1)
    ]
    table = Table([header, *rows], colWidths=[8 * mm, 62 * mm, 18 * mm, 86 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("GRID", (0, 0), (-1, -1), 0.25, GRID),
            ]
        )
    )
    return table

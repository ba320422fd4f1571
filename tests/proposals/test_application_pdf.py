"""The 申报书: a submitted version as a PDF with real Chinese text, its files' digests, and a QR code to /verify."""

import io
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pypdf
import pytest
import segno
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.documents import fonts
from portal.reviews import setup as review_setup
from portal.util import clock
from tests.reviews.helpers import assign, department_of, review_of

TEAM_WITH_MARKUP = "项目负责人张工 & <核心团队> 12 人"


def pdf_url(version) -> str:
    return f"/proposals/{version.proposal_id}/versions/{version.number}/application.pdf"


def read(response) -> pypdf.PdfReader:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(response.data))


def all_text(reader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def link_targets(reader) -> list[str]:
    targets = []
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                targets.append(str(action["/URI"]))
    return targets


def qr_matrix(reader) -> list[list[bool]]:
    """Read the QR code back from the first page's image: dark modules sampled at their centres."""
    (image,) = [i.image.convert("L") for i in reader.pages[0].images]
    width, _height = image.size
    dark = [[image.getpixel((x, y)) < 128 for x in range(width)] for y in range(width)]
    rows = [y for y in range(width) if any(dark[y])]
    cols = [x for x in range(width) if any(dark[y][x] for y in range(width))]
    top, left, side = rows[0], cols[0], cols[-1] - cols[0] + 1
    # The finder pattern in the top left corner is 7 modules wide: it gives the module's size in pixels.
    module = (next(x for x in range(left, width) if not dark[top][x]) - left) / 7
    count = round(side / module)
    assert count == side / module
    return [
        [dark[int(top + (r + 0.5) * module)][int(left + (c + 0.5) * module)] for c in range(count)]
        for r in range(count)
    ]


@pytest.fixture
def open_scenario(create_scenario):
    return create_scenario(
        state="published", title="城市道路病害智能识别场景", deadline=clock.now() + timedelta(days=3)
    )


def test_the_bidder_prints_its_application_with_receipt_digests_and_a_working_qr_code(
    app, client, login_as, open_scenario, create_user, submit_proposal, stored_file
):
    bidder = create_user(Role.ENTERPRISE)
    version = submit_proposal(
        open_scenario,
        bidder,
        files=[stored_file(name="技术白皮书.pdf")],
        team=TEAM_WITH_MARKUP,
        approach="<p>多光谱相机采集。</p><p>识别准确率 96%。</p>",
    )
    login_as(bidder)
    response = client.get(pdf_url(version))
    reader = read(response)
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"

    text = all_text(reader)
    compact = "".join(text.split())  # a digest wraps in its narrow column
    for expected in (
        "揭榜挂帅方案申报书",
        "城市道路病害智能识别场景",
        version.receipt_no,
        bidder.organization.name,
        bidder.organization.uscc,
        "基于深度学习的道路病害识别方案",
        "多光谱相机采集。",
        "识别准确率96%。",
        "项目负责人张工&<核心团队>12人",
        "技术白皮书.pdf",
        version.digest,
        version.attachments[0].sha256,
    ):
        assert "".join(expected.split()) in compact, expected
    assert reader.metadata.title == f"申报书 {version.receipt_no}"

    # The QR code and the printed link open /verify for this receipt, and that page confirms it.
    verify_url = next(url for url in link_targets(reader) if "/verify" in url)
    assert verify_url.startswith(app.config["PORTAL_BASE_URL"] + "/verify?")
    assert parse_qs(urlsplit(verify_url).query) == {"receipt": [version.receipt_no], "digest": [version.digest]}
    assert "".join(verify_url.split()) in compact
    assert qr_matrix(reader) == [[bool(v) for v in row] for row in segno.make(verify_url).matrix]
    page = client.get(verify_url.removeprefix(app.config["PORTAL_BASE_URL"]))
    assert "一致：该回执编号与摘要对应平台保存的一次提交。" in page.get_data(as_text=True)


def test_chinese_is_embedded_text_in_a_truetype_font(client, login_as, open_scenario, create_user, submit_proposal):
    if fonts.cjk_font() != fonts.EMBEDDED_NAME:
        pytest.skip("no TrueType CJK font on this machine (Debian's fonts-wqy-zenhei)")
    bidder = create_user(Role.ENTERPRISE)
    version = submit_proposal(open_scenario, bidder)
    login_as(bidder)
    reader = read(client.get(pdf_url(version)))
    descriptors = [font.get_object().get("/FontDescriptor") for font in reader.pages[0]["/Resources"]["/Font"].values()]
    # TrueType outlines inside the file: the reader draws the text with them, and it stays selectable text.
    assert any(d is not None and "/FontFile2" in d.get_object() for d in descriptors)


def test_without_a_truetype_cjk_font_the_builtin_cid_font_keeps_the_text(
    monkeypatch, client, login_as, open_scenario, create_user, submit_proposal
):
    monkeypatch.setattr(fonts, "CANDIDATES", ())
    fonts.cjk_font.cache_clear()
    try:
        bidder = create_user(Role.ENTERPRISE)
        version = submit_proposal(open_scenario, bidder)
        login_as(bidder)
        reader = read(client.get(pdf_url(version)))
        assert fonts.cjk_font() == "STSong-Light"
        assert "揭榜挂帅方案申报书" in all_text(reader) and version.receipt_no in all_text(reader)
    finally:
        fonts.cjk_font.cache_clear()


def test_every_version_stays_printable_for_its_bidder(client, login_as, open_scenario, create_user, submit_proposal):
    bidder = create_user(Role.ENTERPRISE)
    first = submit_proposal(open_scenario, bidder)
    second = submit_proposal(open_scenario, bidder, title="修订后的方案")
    login_as(bidder)
    assert "基于深度学习的道路病害识别方案" in all_text(read(client.get(pdf_url(first))))
    assert "修订后的方案" in all_text(read(client.get(pdf_url(second))))
    receipt = client.get(f"/receipts/{second.receipt_no}").get_data(as_text=True)
    assert pdf_url(second) in receipt
    assert pdf_url(first) in client.get(f"/proposals/{first.proposal_id}").get_data(as_text=True)


def test_sealed_until_the_deadline_then_the_department_prints_the_latest_version_on_record(
    db, client, login_as, open_scenario, create_user, submit_proposal
):
    bidder = create_user(Role.ENTERPRISE)
    first = submit_proposal(open_scenario, bidder)
    latest = submit_proposal(open_scenario, bidder, title="修订后的方案")
    department = department_of(open_scenario)
    others = [
        department,
        create_user(Role.GOVERNMENT),
        create_user(Role.ENTERPRISE),
        create_user(Role.REVIEWER),
        create_user(Role.ADMIN),
    ]
    for user in others:
        login_as(user)
        assert client.get(pdf_url(latest)).status_code == 404, user.role

    open_scenario.deadline = clock.now() - timedelta(minutes=1)
    db.session.commit()
    login_as(department)
    assert "修订后的方案" in all_text(read(client.get(pdf_url(latest))))
    assert client.get(pdf_url(first)).status_code == 404  # the department reads the bid as it stands
    assert pdf_url(latest) in client.get(f"/manage/proposals/{latest.proposal_id}").get_data(as_text=True)
    reads = db.session.scalars(
        select(AuditRecord.details).where(AuditRecord.action == "proposal.read", AuditRecord.actor_id == department.id)
    ).all()
    assert {"what": "application:2"} in reads
    for user in others[1:]:
        login_as(user)
        assert client.get(pdf_url(latest)).status_code == 404, user.role


@pytest.mark.parametrize("blind", [True, False])
def test_a_reviewer_prints_it_only_in_an_open_review_after_declaring_no_conflict(
    db, client, login_as, open_scenario, create_user, submit_proposal, blind
):
    from portal.reviews import conflicts

    bidder = create_user(Role.ENTERPRISE)
    version = submit_proposal(open_scenario, bidder)
    open_scenario.deadline = clock.now() - timedelta(minutes=1)
    db.session.commit()
    review_setup.save_setup(
        open_scenario,
        department_of(open_scenario),
        blind=blind,
        criteria=review_setup.get_setup(open_scenario).criteria,
    )
    reviewer = create_user(Role.REVIEWER)
    assign(open_scenario, [reviewer])
    review = review_of(open_scenario, reviewer, version.proposal)
    login_as(reviewer)
    assert client.get(pdf_url(version)).status_code == 404  # no declaration yet
    conflicts.declare(review, reviewer, conflict=False)
    db.session.commit()
    page = client.get(f"/reviewing/reviews/{review.id}").get_data(as_text=True)
    if blind:  # the 申报书 names the bidder, which a blind review hides
        assert client.get(pdf_url(version)).status_code == 404
        assert pdf_url(version) not in page
    else:
        assert bidder.organization.name in all_text(read(client.get(pdf_url(version))))
        assert pdf_url(version) in page


@pytest.mark.parametrize(
    "path",
    [
        "/proposals/999999/versions/1/application.pdf",
        "/proposals/{proposal}/versions/9/application.pdf",
        "/proposals/99999999999/versions/1/application.pdf",
        "/proposals/{proposal}/versions/99999999999/application.pdf",
    ],
)
def test_an_unknown_proposal_or_version_is_not_found(
    client, login_as, open_scenario, create_user, submit_proposal, path
):
    bidder = create_user(Role.ENTERPRISE)
    version = submit_proposal(open_scenario, bidder)
    login_as(bidder)
    assert client.get(path.format(proposal=version.proposal_id)).status_code == 404


def test_a_consortium_application_names_every_member(db, client, login_as, open_scenario, create_user, submit_proposal):
    from portal.proposals import consortia
    from portal.proposals import operations as proposal_ops

    lead, partner = create_user(Role.ENTERPRISE), create_user(Role.ENTERPRISE)
    proposal = proposal_ops.open_proposal(open_scenario, lead)
    member = consortia.name_member(proposal, lead, partner.organization.uscc)
    consortia.confirm_membership(member, partner)
    db.session.commit()
    version = submit_proposal(open_scenario, lead)
    assert version.members == [partner.organization]
    login_as(lead)
    text = "".join(all_text(read(client.get(pdf_url(version)))).split())
    assert "联合体牵头单位" in text and "联合体成员" in text
    assert partner.organization.name in text and partner.organization.uscc in text
    # A member knows it is in the bid, not its sealed content (portal/permissions.py, 联合体).
    login_as(partner)
    assert client.get(pdf_url(version)).status_code == 404

"""Blind review and document properties: what a blind reviewer downloads never names the author, the editor or the
company in the file's own properties; the department, the bidder and an open review get the stored bytes."""

import hashlib
import io
import re
import zipfile

import pytest
from openpyxl import load_workbook

from portal.extensions import db
from portal.reviews import conflicts
from portal.reviews import queries as review_queries
from portal.reviews import setup as review_setup
from portal.uploads import blind_copies, storage, sweep
from tests.reviews import documents
from tests.reviews.helpers import assign, department_of, review_of

FILES = {"docx": documents.docx, "xlsx": documents.xlsx, "pdf": documents.pdf, "png": documents.png,
         "jpg": documents.jpeg}


@pytest.fixture
def documented(frozen_now, create_scenario, submit_proposal, bidders, stored_file):
    """A closed scenario whose first bidder attached one file of every kind, each naming its author inside."""
    from tests.reviews.helpers import closed_scenario

    originals = {kind: make() for kind, make in FILES.items()}
    files = {bidders[0].id: lambda: [stored_file(data, name=f"方案附件.{kind}") for kind, data in originals.items()]}
    scenario, _versions = closed_scenario(create_scenario, submit_proposal, bidders,
                                          files_for=lambda b: files.get(b.id, list)())
    proposal = next(p for p in review_queries.reviewed_proposals(scenario)
                    if p.organization_id == bidders[0].organization_id)
    return scenario, proposal, originals


def _reviewer_ready(scenario, reviewer, proposal):
    assign(scenario, [reviewer])
    review = review_of(scenario, reviewer, proposal)
    conflicts.declare(review, reviewer, conflict=False)
    db.session.commit()
    return review


def _set_blind(scenario, blind):
    setup = review_setup.get_setup(scenario)
    review_setup.save_setup(scenario, department_of(scenario), blind=blind, criteria=setup.criteria)
    db.session.commit()


def test_every_file_a_blind_reviewer_downloads_is_free_of_its_authors_and_still_opens(
        client, login_as, documented, reviewers):
    scenario, proposal, originals = documented
    assert all(documents.contains_secret(documents.everything_in(data)) for data in originals.values())
    review = _reviewer_ready(scenario, reviewers[0], proposal)
    login_as(reviewers[0])

    for position, attachment in enumerate(proposal.latest_version.attachments, start=1):
        response = client.get(f"/reviewing/reviews/{review.id}/attachments/{position}")
        assert response.status_code == 200, attachment.kind
        data = response.data
        response.close()
        assert documents.contains_secret(documents.everything_in(data)) is None, attachment.kind
        assert data != originals[attachment.kind]
        _still_opens(attachment.kind, data, originals[attachment.kind])


def _still_opens(kind, data, original):
    if kind == "docx":
        with zipfile.ZipFile(io.BytesIO(data)) as copy, zipfile.ZipFile(io.BytesIO(original)) as source:
            assert copy.testzip() is None and copy.namelist() == source.namelist()
            assert documents.BODY_TEXT.encode() in copy.read("word/document.xml")
            assert b"<cp:coreProperties" in copy.read("meta/core1.xml")
    elif kind == "xlsx":
        book = load_workbook(io.BytesIO(data))
        assert book.active["A1"].value == documents.BODY_TEXT
        # openpyxl reports "openpyxl" for a workbook that names no creator
        assert book.properties.creator in (None, "openpyxl") and not book.properties.lastModifiedBy
    elif kind == "pdf":
        import pypdf

        reader = pypdf.PdfReader(io.BytesIO(data))
        assert len(reader.pages) == 1 and "Page one" in reader.pages[0].extract_text()
        assert not reader.metadata or not any(reader.metadata.values())
        assert reader.xmp_metadata is None
    elif kind == "png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82") and b"IDAT" in data
    else:
        assert data.startswith(b"\xff\xd8\xff\xe0") and data.endswith(b"\x12\x34\x56\x78\xff\xd9")


def test_the_department_the_bidder_and_an_open_review_get_the_stored_bytes(client, login_as, documented, bidders,
                                                                           reviewers):
    scenario, proposal, originals = documented
    attachments = proposal.latest_version.attachments
    for user in (department_of(scenario), bidders[0]):
        login_as(user)
        for attachment in attachments:
            response = client.get(f"/attachments/{attachment.id}")
            assert response.status_code == 200
            assert response.data == originals[attachment.kind]
            # The receipt's digest still vouches for what the bidder sent.
            assert hashlib.sha256(response.data).hexdigest() == attachment.sha256
            response.close()

    _set_blind(scenario, False)
    review = _reviewer_ready(scenario, reviewers[1], proposal)
    login_as(reviewers[1])
    for position, attachment in enumerate(attachments, start=1):
        response = client.get(f"/reviewing/reviews/{review.id}/attachments/{position}")
        assert response.status_code == 200 and response.data == originals[attachment.kind]
        response.close()


def test_the_copy_is_made_once_and_the_stored_file_never_changes(client, login_as, documented, reviewers,
                                                                 monkeypatch):
    scenario, proposal, originals = documented
    review = _reviewer_ready(scenario, reviewers[0], proposal)
    login_as(reviewers[0])
    attachment = proposal.latest_version.attachments[0]
    made = []
    real = blind_copies.write_clean
    monkeypatch.setattr(blind_copies, "write_clean", lambda *a: made.append(a) or real(*a))

    first = client.get(f"/reviewing/reviews/{review.id}/attachments/1")
    second = client.get(f"/reviewing/reviews/{review.id}/attachments/1")
    assert first.data == second.data and len(made) == 1
    first.close()
    second.close()
    stored = storage.stored_path(attachment.stored_name)
    assert stored.read_bytes() == originals[attachment.kind]
    assert (stored.parent / blind_copies.CACHE_FOLDER / blind_copies.cache_name(stored.name)).is_file()


def test_a_file_that_cannot_be_cleaned_is_not_sent_at_all(client, login_as, documented, reviewers, monkeypatch):
    scenario, proposal, _originals = documented
    review = _reviewer_ready(scenario, reviewers[0], proposal)
    login_as(reviewers[0])
    # A package that unpacks to more than the limit (a zip bomb) is refused before it is written out.
    monkeypatch.setattr(blind_copies, "MAX_EXPANDED_BYTES", 1000)

    response = client.get(f"/reviewing/reviews/{review.id}/attachments/1")

    assert response.status_code == 409
    assert "无法生成去除文档属性的副本" in response.text
    assert documents.contains_secret(response.data) is None
    stored = proposal.latest_version.attachments[0].stored_name
    left = [p.name for p in (storage.upload_folder() / blind_copies.CACHE_FOLDER).iterdir()]
    assert not [name for name in left if stored in name or name.startswith(".incoming-")], "nothing half-written"


@pytest.mark.parametrize("kind", ["png", "jpg"])
@pytest.mark.parametrize("cut", [1, 5, 20, 60])
def test_a_truncated_picture_is_refused_not_passed_through(tmp_path, kind, cut):
    data = FILES[kind]()
    path = tmp_path / "picture"
    path.write_bytes(data[:len(data) - cut] if kind == "png" else data[:24 + cut])
    with pytest.raises(blind_copies.CopyUnavailable):
        blind_copies.write_clean(path, kind, io.BytesIO())


def test_the_sweep_removes_copies_of_files_that_are_gone_and_of_older_rules(app, tmp_path, monkeypatch):
    folder = storage.upload_folder()
    cache = folder / blind_copies.CACHE_FOLDER
    cache.mkdir(exist_ok=True)
    referenced = "a" * 32
    kept = cache / blind_copies.cache_name(referenced)
    gone = cache / blind_copies.cache_name("b" * 32)
    old = cache / f"v0-{referenced}"
    for path in (kept, gone, old):
        path.write_bytes(b"copy")
    monkeypatch.setattr(sweep, "referenced_names", lambda: {referenced})

    found = sweep.unreferenced(older_than_hours=-1)

    assert {gone, old} <= set(found.files) and kept not in found.files
    for path in (kept, gone, old):
        path.unlink()


def test_bidders_are_told_at_upload(client, login_as, create_scenario, bidders):
    scenario = create_scenario(state="published")
    login_as(bidders[0])
    page = client.get(f"/scenarios/{scenario.id}/proposal")
    assert page.status_code == 200
    assert "盲评时专家下载的副本将去除文档属性中的作者等信息" in page.text


def test_a_pdf_that_pypdf_cannot_read_is_blanked_byte_for_byte(tmp_path):
    # No cross-reference table and no startxref: readers repair such a file, pypdf does not read it.
    data = documents.pdf()
    broken = data[:data.index(b"xref")] + b"%%EOF\n"
    path = tmp_path / "broken.pdf"
    path.write_bytes(broken)
    out = io.BytesIO()

    blind_copies.write_clean(path, "pdf", out)

    copy = out.getvalue()
    assert documents.contains_secret(copy) is None
    assert len(copy) == len(broken), "every offset in the file stays where it was"
    assert b"Page one" in copy and b"/Author" in copy


@pytest.mark.parametrize("hiding", [b"<</Type/ObjStm/N 1/First 4/Length 0>>", b"/Encrypt 12 0 R",
                                    b"<</Type/Metadata/Subtype/XML/Filter/FlateDecode/Length 0>>"])
def test_a_broken_pdf_that_could_hide_properties_is_not_sent(tmp_path, hiding):
    data = documents.pdf()
    path = tmp_path / "broken.pdf"
    path.write_bytes(data[:data.index(b"xref")] + hiding + b"\n%%EOF\n")
    with pytest.raises(blind_copies.CopyUnavailable):
        blind_copies.write_clean(path, "pdf", io.BytesIO())


def test_properties_found_only_through_the_relationships_and_embedded_workbooks_are_cleaned_too(tmp_path):
    data = documents.docx({"word/embeddings/Microsoft_Excel_Worksheet.xlsx": documents.xlsx()})
    # A package whose [Content_Types].xml does not declare the core part: the relationship alone names it.
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["[Content_Types].xml"] = re.sub(rb"<Override ContentType=\"[^\"]*core-properties[^>]*>", b"",
                                          parts["[Content_Types].xml"])
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as target:
        for name, part in parts.items():
            target.writestr(name, part)
    path = tmp_path / "nested.docx"
    path.write_bytes(rebuilt.getvalue())
    out = io.BytesIO()

    blind_copies.write_clean(path, "docx", out)

    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as copy:
        embedded = copy.read("word/embeddings/Microsoft_Excel_Worksheet.xlsx")
    assert documents.contains_secret(documents.everything_in(out.getvalue())) is None
    assert documents.contains_secret(documents.everything_in(embedded)) is None
    assert load_workbook(io.BytesIO(embedded)).active["A1"].value == documents.BODY_TEXT

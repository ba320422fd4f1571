"""Printable documents as PDF downloads: a version's 申报书 and the 首台（套）推广目录."""

from flask import Response, request
from flask_login import current_user, login_required

from portal.catalogue import queries as catalogue_queries
from portal.documents import application, bp, catalogue
from portal.notifications.operations import absolute_link, link_to
from portal.permissions import load_version_or_404, owns_proposal
from portal.proposals import operations as proposal_operations
from portal.uploads.names import content_disposition
from portal.web.sqlite import writes_on_get


@bp.get("/proposals/<int:proposal_id>/versions/<int:number>/application.pdf")
@login_required
@writes_on_get
def application_pdf(proposal_id: int, number: int):
    version = load_version_or_404(proposal_id, number, current_user)
    if not owns_proposal(current_user, version.proposal):
        # A read of a bid's content like its page: on record, committed with the request.
        proposal_operations.record_read(current_user, version.proposal, f"application:{version.number}")
    # The printed link outlives the request: it names the portal by PORTAL_BASE_URL, as e-mail does.
    verify_url = absolute_link(link_to("receipts.verify", receipt=version.receipt_no, digest=version.digest))
    return _pdf(application.application_pdf(version, verify_url), application.filename(version), private=True)


@bp.get("/products/catalogue.pdf")
def catalogue_pdf():
    sector = catalogue.sector_filter(request.args.get("sector"))
    rows = catalogue_queries.printable_catalogue(sector)
    return _pdf(catalogue.catalogue_pdf(rows, sector), catalogue.filename(sector), private=False)


def _pdf(body: bytes, name: str, *, private: bool) -> Response:
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if private:
        response.headers["Cache-Control"] = "private, no-store"
    return response

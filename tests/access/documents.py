"""Rows for printable documents: a version's 申报书 (sealed like the bid itself) and the public 推广目录."""

from tests.access import LOGIN, NOT_FOUND, OK, ROLES, everyone

ROWS = {
    # Before the deadline nobody but the bidder may print its bid: staff, reviewers and other enterprises get 404.
    "documents.application_pdf": (
        "GET",
        {"proposal_id": "own_proposal", "number": 1},
        {**dict.fromkeys(ROLES, NOT_FOUND), "anonymous": LOGIN, "enterprise": OK},
    ),
    "documents.catalogue_pdf": ("GET", {}, everyone(OK)),
}

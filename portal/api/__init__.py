"""Open data: read-only JSON of what the public pages show, under /api/v1, described by /api/v1/openapi.json.

Every route answers GET only and reads as an anonymous visitor would, whoever is signed in, so sealed
proposals, drafts and per-enterprise lists can never appear; no session or CSRF token is involved.
"""

from flask import Blueprint

bp = Blueprint("api", __name__)

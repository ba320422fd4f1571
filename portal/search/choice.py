"""The backend that stores documents and answers plans on this portal: SEARCH_BACKEND (backends.py)."""

from flask import current_app

from portal.search import postgresql_backend
from portal.search.whoosh_backend import WhooshBackend

_backends = {"whoosh": WhooshBackend(), "postgresql": postgresql_backend.PostgresBackend()}


def backend():
    name = current_app.config.get("SEARCH_BACKEND", "whoosh")
    try:
        return _backends[name]
    except KeyError:
        raise RuntimeError(f"SEARCH_BACKEND {name!r} is not available (known: {', '.join(_backends)})") from None

import dataclasses

import pytest

from portal import search
from portal.search import registry, store
from tests.catalogue.conftest import create_product, sample_catalogue, search_index  # noqa: F401


@pytest.fixture
def build_older_format_index(monkeypatch):
    """`build()` rebuilds the search index in the layout of before long texts had word pairs: an index of an
    older format, which is searched until the worker replaces it."""

    def build() -> None:
        products = registry.get("product")
        older = dataclasses.replace(products, fields=tuple(
            dataclasses.replace(f, pairs=None) for f in products.fields if f.name != "body_pairs"))
        with monkeypatch.context() as before:
            before.setitem(registry._types, "product", older)
            search.rebuild()
        store._format_ok.clear()

    return build

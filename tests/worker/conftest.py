"""Worker fixtures: products built through the operations, and nodes of one portal, each with its own index."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from portal.accounts.models import Role
from portal.catalogue import operations
from portal.extensions import db
from portal.search import store
from portal.worker.loop import Worker
from tests.catalogue.conftest import product_fields, search_index  # noqa: F401
from tests.search.conftest import build_older_format_index  # noqa: F401


@dataclass
class Node:
    """One node of the portal: its name and its own index folder, sharing the test's database."""

    app: object
    name: str
    index: Path

    def enter(self) -> None:
        """Make the app this node (its name and index), as its own process would be."""
        self.app.config.update(NODE_NAME=self.name, SEARCH_INDEX_DIR=str(self.index))

    def tick(self, prune: bool = True) -> dict:
        """One tick of this node's worker (a worker just started: it prunes at its first tick)."""
        self.enter()
        worker = Worker(self.app)
        if not prune:
            worker.pruned_at = float("inf")
        return worker.tick()

    def heartbeat(self) -> None:
        """Only the first step of a tick: the node is alive, its index not yet brought up to date."""
        self.enter()
        Worker(self.app).heartbeat()
        db.session.commit()

    def indexed(self, index: str = "products") -> set[int]:
        """The ids of the documents in this node's index, read from disk (no search, nothing applied)."""
        path = store.generation_dir(self.index)
        assert path is not None, f"node {self.name} has no index"
        ix = store.open_index(path, index)
        try:
            with ix.searcher() as searcher:
                return {int(fields["id"]) for fields in searcher.all_stored_fields()}
        finally:
            ix.close()

    def generation(self) -> Path | None:
        return store.served_dir(self.index)


@pytest.fixture
def add_product(db, create_user):
    """Approve a new product through the operations and commit; return its id (the worker's tick ends its
    session, so tests hold ids, not objects)."""

    def make(**overrides) -> int:
        product = operations.apply_product(create_user(Role.ENTERPRISE), **product_fields(**overrides))
        operations.approve_product(product, create_user(Role.ADMIN))
        db.session.commit()
        return product.id

    return make


@pytest.fixture
def nodes(app, tmp_path):
    """Make nodes "a", "b", … of the test's portal: `nodes("a")`."""

    def make(name: str) -> Node:
        return Node(app, name, tmp_path / f"index-{name}")

    return make

"""A restore replaces the database under every node's index: it raises the cluster epoch, and every node's worker
rebuilds its index (the restoring node's was rebuilt by the restore itself, at the new epoch)."""

import pytest
from sqlalchemy import select

from portal import cluster
from portal.cluster.models import Node
from portal.extensions import db as _db
from portal.search import keeping
from portal.worker.loop import Worker
from tests.backup.conftest import run_command

# A backup reads the database through connections of its own, and a restore replaces it.
pytestmark = pytest.mark.real_commits


def test_a_restore_raises_the_epoch_and_the_other_nodes_rebuild(app, populated, tmp_path):
    here, other = app.config["SEARCH_INDEX_DIR"], str(tmp_path / "other-node-index")

    def tick(name, index):
        app.config.update(NODE_NAME=name, SEARCH_INDEX_DIR=index)
        return Worker(app).tick()

    assert tick("here", here)["search"]["action"] == "built"
    assert tick("other", other)["search"]["action"] == "built"
    backup = tmp_path / "backup"
    assert run_command(app, "backup", str(backup)).exit_code == 0  # carries epoch 0
    cluster.raise_value(cluster.EPOCH, 5)  # the database's epoch before the restore is higher than the backup's
    _db.session.commit()
    assert tick("other", other)["search"]["reason"] == keeping.EPOCH
    assert tick("here", here)["search"]["reason"] == keeping.EPOCH

    app.config["SEARCH_INDEX_DIR"] = here
    restored = run_command(app, "restore", "--force", str(backup))
    assert restored.exit_code == 0, restored.output
    assert cluster.epoch() == 6, "the epoch is not above both the one before and the backup's"
    _db.session.remove()

    assert tick("here", here)["search"]["action"] == "current", "the restore's own rebuild did not record the epoch"
    done = tick("other", other)["search"]
    assert (done["action"], done["reason"]) == ("rebuilt", keeping.EPOCH)
    assert tick("other", other)["search"]["action"] == "current"
    epochs = dict(_db.session.execute(select(Node.name, Node.epoch)).all())
    assert epochs == {"here": 6, "other": 6}
    _db.session.remove()

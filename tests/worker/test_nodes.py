"""Several nodes on one database, each with its own index: the change log is pruned only below what every live node
has applied, a node that missed pruned changes rebuilds, and so does every node after a restore (the epoch)."""

from datetime import timedelta

from sqlalchemy import func, select

from portal import cluster
from portal.cluster.models import Node
from portal.search import keeping
from portal.search.models import SearchChange


def changes(db) -> set[int]:
    return set(db.session.scalars(select(SearchChange.id)))


def newest(db) -> int:
    return db.session.scalar(select(func.max(SearchChange.id)))


def test_pruning_keeps_what_the_slower_live_node_has_not_applied(app, db, add_product, nodes, frozen_now):
    fast, slow = nodes("fast"), nodes("slow")
    fast.tick()
    slow.tick()  # both built, empty
    old = [add_product(), add_product(name="测温型热成像摄像机", model="TC-384")]
    fast.tick()  # applied; the slow node has not yet
    old_changes = changes(db)

    frozen_now.travel(timedelta(days=31))  # the old changes are past SEARCH_LOG_KEEP_DAYS
    slow.heartbeat()  # alive, its index still behind
    recent = add_product(name="红外测温仪", model="IR-9")
    assert fast.tick()["prune"] == {"changes": 0, "nodes": 0}
    assert old_changes <= changes(db), "the slow node's changes were pruned"

    assert slow.tick(prune=False)["search"]["action"] == "applied"
    assert slow.indexed() == {*old, recent}
    pruned = fast.tick()["prune"]
    assert pruned["changes"] == len(old_changes) and not old_changes & changes(db)
    assert cluster.value(cluster.SEARCH_PRUNED) == max(old_changes)


def test_a_dead_node_does_not_hold_pruning_back_and_rebuilds_when_it_returns(app, db, add_product, nodes,
                                                                            frozen_now):
    live, gone = nodes("live"), nodes("gone")
    live.tick()
    gone.tick()
    gone_generation = gone.generation()
    old = [add_product(), add_product(name="测温型热成像摄像机", model="TC-384")]
    live.tick()
    old_changes = changes(db)

    frozen_now.travel(timedelta(days=31))  # the gone node has not reported for a month
    recent = add_product(name="红外测温仪", model="IR-9")
    done = live.tick()
    assert done["prune"] == {"changes": len(old_changes), "nodes": 1}, "the gone node held pruning back"
    assert not old_changes & changes(db) and newest(db) in changes(db)
    assert set(db.session.scalars(select(Node.name))) == {"live"}, "the dead node's row was kept"

    back = gone.tick()["search"]  # changes it never applied are gone from the log: it rebuilds
    assert (back["action"], back["reason"]) == ("rebuilt", keeping.PRUNED)
    assert gone.generation() != gone_generation
    assert gone.indexed() == {*old, recent} == live.indexed()
    assert gone.tick()["search"]["action"] == "current"


def test_a_node_that_missed_a_restore_rebuilds_when_the_epoch_moves(app, db, add_product, nodes):
    a, b = nodes("a"), nodes("b")
    first = add_product()
    a.tick()
    b.tick()
    assert db.session.scalar(select(Node.epoch).where(Node.name == "b")) == 0

    cluster.raise_epoch(cluster.epoch())  # what a restore does once the database is replaced
    db.session.commit()
    done = b.tick()["search"]
    assert (done["action"], done["reason"]) == ("rebuilt", keeping.EPOCH)
    assert b.indexed() == {first}
    assert db.session.scalar(select(Node.epoch).where(Node.name == "b")) == 1
    assert b.tick()["search"]["action"] == "current"


def test_nodes_whose_index_predates_the_epoch_do_not_hold_pruning_back(app, db, add_product, nodes, frozen_now):
    a, b = nodes("a"), nodes("b")
    a.tick()
    b.tick()
    add_product()
    add_product(name="测温型热成像摄像机", model="TC-384")
    a.tick()
    before = changes(db)
    cluster.raise_epoch(cluster.epoch())
    db.session.commit()
    a.tick(prune=False)  # rebuilt at the new epoch; b is alive, its index of the old epoch
    frozen_now.travel(timedelta(days=31))
    a.heartbeat()
    b.heartbeat()
    add_product(name="红外测温仪", model="IR-9")
    a.tick(prune=False)
    assert a.tick()["prune"]["changes"] == len(before)


def test_without_any_node_reporting_the_log_is_pruned_by_this_nodes_own_position(app, db, add_product, search_index,
                                                                                 frozen_now):
    from portal import search

    search.rebuild()
    add_product()
    add_product(name="测温型热成像摄像机", model="TC-384")
    search.apply_pending()
    frozen_now.travel(timedelta(days=31))
    assert db.session.scalar(select(func.count()).select_from(Node)) == 0
    logged = changes(db)
    assert search.prune_log() == len(logged) - 1 and changes(db) == {max(logged)}

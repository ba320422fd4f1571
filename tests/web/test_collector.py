"""A serving process keeps the collector off its long-lived objects: frozen once built, and once warm."""

import gc

import pytest
from flask import Flask

from portal.web import collector


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # the suite builds many apps: none may stay frozen


def test_the_app_is_frozen_when_built_and_again_once_warm(unfrozen):
    app = Flask("served")
    app.get("/")(lambda: "ok")
    collector.freeze_long_lived(app)
    assert gc.get_freeze_count() > 0
    client = app.test_client()
    for _ in range(collector.WARM_AFTER - 1):
        client.get("/")
    gc.unfreeze()
    client.get("/")  # the request that makes it warm freezes what the first ones built
    assert gc.get_freeze_count() > 0
    gc.unfreeze()
    client.get("/")
    assert gc.get_freeze_count() == 0  # once only


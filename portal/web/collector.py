"""The garbage collector kept off what lives as long as the serving process.

A worker holds a few hundred thousand long-lived objects (the app, its templates, translations, search index
readers). CPython's full collection walks all of them: measured on the ranking page at city scale, about 180 ms
a collection, one every few pages — 54 ms a page on average, and the worst of the p95. `gc.freeze()` moves the
objects alive at that moment to a generation the collector never walks; what requests create is still
collected as before. It is called once the app is built and again once the first requests have filled the
caches that are built lazily. Only for a serving process (`wsgi.py`): a test suite builds many apps, and frozen
they would never be freed.
"""

import gc

from flask import Flask

WARM_AFTER = 50  # requests: templates compiled, translations loaded, the search index opened


def freeze_long_lived(app: Flask) -> None:
    gc.freeze()
    served = 0

    @app.teardown_request
    def _freeze_once_warm(_error) -> None:
        nonlocal served
        served += 1
        if served == WARM_AFTER:
            gc.freeze()

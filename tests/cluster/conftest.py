"""The cluster check's marker, and the nodes' logs under a failed test's report."""

import os

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/cluster/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.cluster)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    cluster = getattr(item, "cluster", None)
    if report.failed and report.when == "call" and cluster is not None:
        report.sections.append(("cluster logs (tails)", cluster.logs()))
    return report

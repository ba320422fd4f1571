"""House rules of search: a leaf library behind a facade, with Whoosh's internals read in one module."""

import ast
from pathlib import Path

import pytest

from portal.search import whoosh_adapter

PORTAL = Path(__file__).resolve().parents[2] / "portal"
SEARCH = PORTAL / "search"
# What search may use: infrastructure (the nodes' registry and epoch among it), never a domain.
ALLOWED = ("portal.search", "portal.extensions", "portal.paging", "portal.util", "portal.web", "portal.cluster")
PRIVATE = ("_read_data", "_byteids", "_next_block", "deleted_docs_set", "W3LeafMatcher", "FilterMatcher",
           "DEFAULT_MATCHER", "matcher._data")


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "portal":
                names |= {f"portal.{alias.name}" for alias in node.names}
    return names


def test_nothing_outside_search_imports_whoosh():
    offenders = [str(p.relative_to(PORTAL)) for p in PORTAL.rglob("*.py") if SEARCH not in p.parents
                 and any(name == "whoosh" or name.startswith("whoosh.") for name in imported(p))]
    assert offenders == []


def test_search_imports_no_domain():
    offenders = {str(p.relative_to(PORTAL)): sorted(n for n in imported(p) if n.startswith("portal.")
                                                    and not n.startswith(ALLOWED))
                 for p in SEARCH.rglob("*.py")}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_whoosh_internals_are_read_in_the_adapter_only():
    for path in SEARCH.rglob("*.py"):
        if path.name == "whoosh_adapter.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert not [p for p in PRIVATE if p in text], path.name


def test_an_unknown_whoosh_version_fails_clearly_at_import():
    whoosh_adapter.check_version((2, 7, 5))
    with pytest.raises(whoosh_adapter.UnsupportedWhoosh, match=r"installed is 2\.7\.4.*whoosh-reloaded==2\.7\.5"):
        whoosh_adapter.check_version((2, 7, 4))

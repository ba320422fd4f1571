"""The domain models stack without cycles: no models module imports a domain above it — not even inside a
function, where a cycle only hides until run time — and each imports cleanly first, in a fresh interpreter."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import portal

PORTAL = Path(portal.__file__).parent
# Lowest first: a domain's models may import the ones before it, never the ones after.
LAYERS = ["accounts", "scenarios", "proposals", "reviews", "announcements"]
MODELS = sorted(path.parent.name for path in PORTAL.glob("*/models.py"))
@pytest.mark.parametrize("domain", MODELS)
def test_each_models_module_imports_first_in_a_fresh_interpreter(domain):
    # Imported first, then with every other model, and the mappers configured: a cycle between models modules
    # fails the import, a relationship named after a class no module defines fails the configuration.
    code = (f"import portal.{domain}.models\n"
            "import portal.models\n"
            "from sqlalchemy.orm import configure_mappers\n"
            "configure_mappers()\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PORTAL.parent,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def runtime_imports(path: Path) -> set[str]:
    """Every portal module a file imports at run time, at any depth; `if TYPE_CHECKING:` blocks are left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()

    def visit(node):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            return
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {name for name in names if name.startswith("portal.")}


def test_models_modules_import_each_other_without_a_cycle():
    graph = {domain: {name.split(".")[1] for name in runtime_imports(PORTAL / domain / "models.py")
                      if name.endswith(".models") and name.split(".")[1] != domain}
             for domain in MODELS}
    done: list[str] = []
    while len(done) < len(graph):
        ready = [d for d in graph if d not in done and graph[d] <= set(done)]
        assert ready, f"models modules import each other in a cycle: { {d: graph[d] for d in graph if d not in done} }"
        done += ready


@pytest.mark.parametrize("domain", LAYERS)
def test_models_import_no_higher_domain(domain):
    higher = LAYERS[LAYERS.index(domain) + 1:]
    imported = runtime_imports(PORTAL / domain / "models.py")
    offending = sorted(name for name in imported for up in higher
                       if name == f"portal.{up}" or name.startswith(f"portal.{up}."))
    assert offending == [], f"portal/{domain}/models.py imports a higher domain"


def test_the_layer_check_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "models.py"
    module.write_text("from typing import TYPE_CHECKING\n"
                      "if TYPE_CHECKING:\n    from portal.announcements.models import Decision\n"
                      "def status():\n    from portal.reviews.models import Review\n", encoding="utf-8")
    assert runtime_imports(module) == {"portal.reviews.models", "portal.reviews.models.Review"}

"""The shape of the portal holds: the import contracts of pyproject.toml ([tool.importlinter]), checked by
import-linter against the portal in this folder, with its report as the failure message."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def lint_imports(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """`lint-imports` run in `cwd`, whose portal/ it reads (the current folder comes first on the path)."""
    pytest.importorskip("importlinter", reason="import-linter is not installed (it comes with the test extra): "
                                               "the import contracts of pyproject.toml were not checked")
    command = [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()",
               "--no-logo", "--no-cache", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def report(result: subprocess.CompletedProcess) -> str:
    return (result.stdout + result.stderr).strip()


def test_the_import_contracts_hold():
    result = lint_imports()
    assert "Contracts:" in result.stdout and " 0 broken" in result.stdout, report(result)
    assert result.returncode == 0, report(result)


def test_a_broken_contract_fails_with_its_report(tmp_path):
    # The same check on a copy of the shape with one import that crosses it: web plumbing asking a domain.
    portal = tmp_path / "portal"
    (portal / "web").mkdir(parents=True)
    (portal / "accounts").mkdir()
    for package in (portal, portal / "web", portal / "accounts"):
        (package / "__init__.py").write_text("")
    (portal / "accounts" / "models.py").write_text("")
    (portal / "web" / "views.py").write_text("from portal.accounts.models import *  # noqa\n")
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""
        [tool.importlinter]
        root_package = "portal"

        [[tool.importlinter.contracts]]
        name = "Web plumbing imports no domain"
        type = "layers"
        containers = ["portal"]
        layers = ["accounts", "web"]
    """))
    result = lint_imports(cwd=tmp_path)
    assert result.returncode != 0
    assert "portal.web.views -> portal.accounts.models" in result.stdout, report(result)

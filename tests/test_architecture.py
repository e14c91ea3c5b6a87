"""The house rules that a reader could not otherwise trust: checked on the source."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "backoffice",
    "common",
    "config",
    "demo",
    "dossiers",
    "identity",
    "loadtest",
    "notifications",
    "portal",
    "procedures",
    "web",
)


# Test helpers shared between test modules are public too (tests/*/helpers.py).
IMPORT_ROOTS = (*PACKAGES, "tests", "bench")


def _sources(*roots):
    for root in roots:
        for path in sorted((ROOT / root).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_private(name: str) -> bool:
    # `_meta` is Django's public model API despite its underscore.
    return name.startswith("_") and not name.startswith("__") and name != "_meta"


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _private_uses(path: Path) -> list[str]:
    """Imports of a private name (a leading underscore) from another of our modules, and
    attribute reads of one through an imported module; the file's own module and its
    package do not count."""
    tree = ast.parse(path.read_text(), filename=str(path))
    own = _module_of(path)
    found, aliases = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] not in IMPORT_ROOTS or own.startswith(node.module):
                continue
            for alias in node.names:
                if _is_private(alias.name):
                    found.append(
                        f"{path.relative_to(ROOT)}:{node.lineno} {node.module}.{alias.name}"
                    )
                else:
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in IMPORT_ROOTS and alias.asname:
                    aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and _is_module(aliases[node.value.id])
            and _is_private(node.attr)
        ):
            found.append(
                f"{path.relative_to(ROOT)}:{node.lineno} {aliases[node.value.id]}.{node.attr}"
            )
    return found


def test_no_module_uses_another_modules_private_names():
    """A private name another module needs is public API: named and documented so."""
    found = [use for path in _sources(*PACKAGES, "tests", "bench") for use in _private_uses(path)]
    assert found == []


# A dossier's state changes in one place: dossiers/services/ (through the workflow
# table). The load generator writes whole dossiers with COPY by design (loadtest/), and
# migrations are history.
STATUS_WRITE = re.compile(
    r"\bdossier\w*\.status\s*=(?!=)"
    r"|Dossier\.objects[^\n]*\.update\([^)]*\bstatus="
    r"|Dossier\.objects\.(?:bulk_)?create\("
)


@pytest.mark.parametrize("package", [p for p in PACKAGES if p != "loadtest"])
def test_only_the_services_write_a_dossiers_status(package):
    offenders = []
    for path in _sources(package):
        if path.is_relative_to(ROOT / "dossiers" / "services"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if STATUS_WRITE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_status_check_would_see_a_write():
    assert STATUS_WRITE.search("    dossier.status = Status.DISCARDED")
    assert STATUS_WRITE.search("Dossier.objects.filter(pk=1).update(status='x')")
    assert STATUS_WRITE.search("Dossier.objects.create(version=v)")
    assert not STATUS_WRITE.search("if dossier.status == Status.DRAFT:")


def test_the_private_check_would_see_a_private_import(tmp_path, monkeypatch):
    monkeypatch.setattr("tests.test_architecture.ROOT", tmp_path)
    (tmp_path / "dossiers").mkdir()
    (tmp_path / "dossiers" / "queues.py").write_text("")
    sample = tmp_path / "portal" / "views.py"
    sample.parent.mkdir()
    private = "_lock"
    lines = [f"from dossiers.services import {private}", "from dossiers import queues as q"]
    sample.write_text("\n".join([*lines, "q._count()", ""]))
    assert len(_private_uses(sample)) == 2

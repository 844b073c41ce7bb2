"""The folder tree is the architecture: every import points down a layer.

Each sub-package of ``segmentkit`` has a layer; a module may import from its
own package and from packages of lower layers only (``docs/decisions.md``,
"Package layout"). Packages on one layer (``language`` and ``storage``)
know nothing of each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import segmentkit

PACKAGE = Path(segmentkit.__file__).parent

LAYERS: dict[str, int] = {
    "errors": 0,
    "suggestions": 0,
    "settings": 0,
    "models": 1,
    "language": 2,
    "storage": 2,
    "engine": 3,
    "analysis": 4,
    "repository": 5,
    "marketing": 6,
    "sql": 6,
    "io": 7,
    "sample": 8,
    "strategies": 9,
    "cli": 10,
    "__init__": 10,
}

MAX_MODULE_LINES = 400


def _part(module_path: Path) -> str:
    relative = module_path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def _imported_parts(module_path: Path) -> set[str]:
    tree = ast.parse(module_path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "segmentkit":
                names = [f"segmentkit.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "segmentkit" and len(parts) > 1:
                found.add(parts[1])
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_package_has_a_layer() -> None:
    parts = {_part(path) for path in MODULES}
    assert parts <= LAYERS.keys(), parts - LAYERS.keys()


@pytest.mark.parametrize("module_path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(module_path: Path) -> None:
    own = _part(module_path)
    for imported in _imported_parts(module_path):
        if imported == own or imported == "__version__":
            continue
        assert imported in LAYERS, f"{module_path.name} imports unknown segmentkit.{imported}"
        assert LAYERS[imported] < LAYERS[own], (
            f"segmentkit.{own} (layer {LAYERS[own]}) imports segmentkit.{imported} "
            f"(layer {LAYERS[imported]}): imports must point down"
        )


@pytest.mark.parametrize("module_path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small(module_path: Path) -> None:
    lines = len(module_path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{module_path.name} has {lines} lines: split it"


# The lexer is loaded by Pygments through its entry point, never by segmentkit:
# importing segmentkit must not import pygments, an optional extra.
PYGMENTS_MODULES = {"language/highlight.py"}


def test_only_the_lexer_imports_pygments_and_nothing_imports_the_lexer() -> None:
    importers = set()
    for module_path in MODULES:
        source = module_path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if any(name.split(".")[0] == "pygments" for name in names):
                importers.add(module_path.relative_to(PACKAGE).as_posix())
            assert "segmentkit.language.highlight" not in names, module_path.name
    assert importers == PYGMENTS_MODULES

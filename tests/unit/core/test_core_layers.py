"""The layering rules, read from the source: no import circle in core, core imports no app, no app
imports another. Function-level imports count too: a lazy import hides a circle, it does not remove it."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

APPS = ROOT / "apps"


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: Path) -> set[str]:
    """Every module an `import` or `from ... import` in the file names (relative ones resolved)."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    tree = ast.parse(path.read_text(), filename=str(path))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }  # imports for type hints only never run
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return found


def _sources(folder: Path) -> dict[str, set[str]]:
    return {_module(p): _imports(p) for p in folder.rglob("*.py") if "migrations" not in p.parts}


def test_core_has_no_import_circle():
    graph = _sources(APPS / "core")
    edges = {m: {i for i in imports if i in graph and i != m} for m, imports in graph.items()}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                raise AssertionError("import circle: " + " → ".join(path[path.index(target) :] + [target]))
            if target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])


def test_core_imports_no_app_and_no_app_imports_another():
    apps = sorted(p.name for p in APPS.iterdir() if (p / "apps.py").exists())
    assert {"core", "recommender", "gallery", "denoise"} <= set(apps)
    for app in apps:
        for module, imports in _sources(APPS / app).items():
            others = {i.split(".")[1] for i in imports if i.startswith("apps.") and i.count(".") >= 1}
            foreign = others - {app, "core"}
            if app == "core":
                foreign = others - {"core"}
            assert not foreign, f"{module} imports apps.{', apps.'.join(sorted(foreign))}"


def test_ml_packages_import_no_django():
    for folder in APPS.glob("*/ml"):
        own = _module(folder)
        for module, imports in _sources(folder).items():
            django = sorted(i for i in imports if i == "django" or i.startswith(("django.", "rest_framework")))
            assert not django, f"{module} imports {django}"
            # Only ml packages: its own and the shared one.
            outside = sorted(i for i in imports if i.startswith("apps") and not i.startswith((own, "apps.core.ml")))
            assert not outside, f"{module} imports {outside}"

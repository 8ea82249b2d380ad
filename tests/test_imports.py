"""The arrows between the project's modules point one way: partnerships uses organisations
and principles, never the reverse, and no module imports, as it loads, one that imports it
back. Read from the source with ast, so nothing is imported to check it."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("api", "bench", "config", "organisations", "principles", "partnerships")
BELOW_PARTNERSHIPS = ("organisations", "principles")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts or "tests" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _target(name: str) -> str | None:
    """The project module an import names, or None for one from outside."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path, *, at_load_only: bool) -> set[str]:
    """The project modules `module` imports: all of them, or only those imported as it loads
    (at its top level, not inside a function)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    nodes = tree.body if at_load_only else ast.walk(tree)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from package import module` names a module; `from module import name`, a name.
            names = [f"{base}.{alias.name}" for alias in node.names] or [base]
            names = [name if name in MODULES else base for name in names]
        else:
            continue
        found |= {target for target in map(_target, names) if target and target != module}
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle, as the modules around it, or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for following in sorted(graph.get(node, ())):
            if state.get(following) == "open":
                return [*path[path.index(following) :], following]
            if following not in state and (found := visit(following)):
                return found
        path.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_organisations_and_principles_never_import_partnerships():
    reverse = sorted(
        f"{module} imports {target}"
        for module, path in MODULES.items()
        if module.startswith(BELOW_PARTNERSHIPS)
        for target in _imports(module, path, at_load_only=False)
        if target.startswith("partnerships")
    )
    assert reverse == []


def test_no_module_imports_itself_round_a_circle():
    graph = {module: _imports(module, path, at_load_only=True) for module, path in MODULES.items()}
    assert _cycle(graph) is None


def test_the_walk_sees_the_arrows():
    """The checks above read real imports: a known arrow and a made-up circle are found."""
    assert "organisations.models" in _imports(
        "partnerships.models", MODULES["partnerships.models"], at_load_only=True
    )
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]

"""biofm has no import cycles, counting function-level (lazy) imports too.

The graph is read from the source (AST over ``biofm/**/*.py``), not from a running interpreter, so an import inside a
function counts as much as one at the top of a file. Importing ``biofm.tasks.ner.kind`` runs ``biofm/tasks/__init__``
and ``biofm/tasks/ner/__init__`` first, so it is an edge to each of those packages as well; a package whose
``__init__`` walks its own folder (``pkgutil.iter_modules(__path__)``, as the task registry does) imports every
subpackage there. A module's own parent packages are not counted: they are already being imported when it runs.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def module_files(package: str = "biofm", root: Path = ROOT) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file of the package (a package's name is its ``__init__``)."""
    mods = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _imported_names(name: str, path: Path, tree: ast.AST) -> list[str]:
    """Dotted names a module imports anywhere in its body (relative imports resolved)."""
    is_package = path.name == "__init__.py"
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            out.append(module)
            out += [f"{module}.{a.name}" for a in node.names if a.name != "*"]
    return out


def _walks_own_folder(tree: ast.AST) -> bool:
    """``pkgutil.iter_modules(__path__)`` in a package ``__init__``: it imports every subpackage of its folder."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "iter_modules" \
                and any(isinstance(a, ast.Name) and a.id == "__path__" for a in node.args):
            return True
    return False


def import_graph(package: str = "biofm", root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (directly, lazily or through their parent packages)."""
    mods = module_files(package, root)
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        own = set(_ancestors(name)) | {name}
        targets = set()
        for imported in _imported_names(name, path, tree):
            while imported and imported not in mods:  # ``from biofm.x import func`` -> biofm.x
                imported = imported.rpartition(".")[0]
            if imported:
                targets |= {imported, *_ancestors(imported)}
        if path.name == "__init__.py" and _walks_own_folder(tree):
            targets |= {m for m, p in mods.items() if p.name == "__init__.py" and p.parent.parent == path.parent}
        graph[name] = {t for t in targets if t in mods and t not in own}
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:  # iterative: a deep chain must not hit the recursion limit
        work = [(v, iter(sorted(graph[v])))]
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        while work:
            node, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        group.append(w)
                        if w == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(groups)


def a_cycle(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """One import path that leaves the group's first module and comes back to it (shortest, by breadth-first)."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v] & members):
            if w == start:
                return paths[v] + [start]
            if w not in paths:
                paths[w] = paths[v] + [w]
                queue.append(w)
    return group


def test_the_checker_finds_a_cycle_through_a_parent_package(tmp_path):
    """The checker itself: a lazy import of a subpackage that the package's registry imports back is a cycle."""
    pkg = tmp_path / "toy"
    (pkg / "reg" / "task").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "util.py").write_text("def f():\n    from toy.reg.task.parts import x\n")
    (pkg / "reg" / "__init__.py").write_text("import pkgutil\nfor m in pkgutil.iter_modules(__path__):\n    pass\n")
    (pkg / "reg" / "task" / "__init__.py").write_text("from .parts import x\n")
    (pkg / "reg" / "task" / "parts.py").write_text("from toy import util\nx = 1\n")
    graph = import_graph("toy", tmp_path)
    assert graph["toy.util"] == {"toy.reg", "toy.reg.task", "toy.reg.task.parts"}
    assert graph["toy.reg"] == {"toy.reg.task"}
    group = ["toy.reg", "toy.reg.task", "toy.reg.task.parts", "toy.util"]
    assert strongly_connected(graph) == [group]
    assert a_cycle(graph, group) == [*group, "toy.reg"]

    (pkg / "util.py").write_text("def f():\n    return 1\n")  # the lazy import gone: no cycle
    assert strongly_connected(import_graph("toy", tmp_path)) == []


def test_biofm_has_no_import_cycles():
    graph = import_graph("biofm")
    assert len(graph) > 50  # the package was found
    groups = strongly_connected(graph)
    report = "\n".join(f"{len(g)} modules: {', '.join(g)}\n  e.g. {' -> '.join(a_cycle(graph, g))}" for g in groups)
    print(report or "no import cycles")
    assert not groups, f"{len(groups)} import cycle(s) in biofm:\n{report}"

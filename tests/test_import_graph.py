"""The import graph of python/dagnet reads top-down: no module imports, directly or through
others, a module that imports it.

What counts, exactly:
- A node is a module of python/dagnet: a ``.py`` file, a package being its ``__init__.py``
  (the package's public face), plus the native extension ``dagnet._engine`` (a leaf).
- Every ``import`` and ``from ... import`` statement in a module is read with ``ast``,
  wherever it stands: at module level, inside functions, methods and class bodies, under
  ``if TYPE_CHECKING:``, in ``try`` blocks. Relative imports are resolved against the
  module's package.
- ``from P import n`` is an edge to module ``P.n`` when that is a dagnet module, else to
  ``P`` (``n`` is a name defined in ``P``; for a package, in its face). ``import a.b.c`` is
  an edge to the deepest dagnet module it names.
- Importing ``P.m`` runs the faces of ``P``'s enclosing packages first, so that is an edge
  to each of those faces too, except the root face ``dagnet/__init__.py`` (every import of
  dagnet starts there) and the faces of the packages the importing module itself belongs
  to (they are already running when it runs). So a package face may import its children
  and other packages, and a child that imports its own package's face is a cycle.
- Imports of modules outside dagnet (the standard library, NumPy, h5py, ...) are no edges.

A cycle is a strongly connected set of two or more modules; the test names each cycle's
modules and one closed path through them.

Besides the cycles, an import inside a function or class body (a "function-local" import)
is allowed only for an optional third-party package (h5py, requests, ...): never for a
dagnet module, the standard library or NumPy, which belong at the top of the module.
"""

import ast
import pathlib
import sys

PACKAGE_ROOT = pathlib.Path(__file__).resolve().parent.parent / "python" / "dagnet"
NATIVE_LEAVES = {"dagnet._engine"}


def _modules() -> dict:
    """Module name -> (path, is_package)."""
    found = {}
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


MODULES = _modules()
KNOWN = set(MODULES) | NATIVE_LEAVES


def _deepest_known(name: str) -> str | None:
    while name and name not in KNOWN:
        name = name.rpartition(".")[0]
    return name or None


def _imported(module: str, is_package: bool, node) -> list[str]:
    """The dagnet modules one import statement names."""
    if isinstance(node, ast.Import):
        return [m for m in (_deepest_known(alias.name) for alias in node.names) if m]
    if node.level:
        base = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            base = base.rpartition(".")[0]
        base = f"{base}.{node.module}" if node.module else base
    else:
        base = node.module or ""
    targets = []
    for alias in node.names:
        candidate = f"{base}.{alias.name}"
        target = candidate if candidate in KNOWN else _deepest_known(base)
        if target:
            targets.append(target)
    return targets


def _enclosing_faces(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(2, len(parts))]  # not the root face


def _nested_imports(tree) -> list:
    """Import statements inside a function or class body."""
    nested = {}
    for scope in ast.walk(tree):
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            nested.update({id(n): n for n in ast.walk(scope) if isinstance(n, (ast.Import, ast.ImportFrom))})
    return sorted(nested.values(), key=lambda n: n.lineno)


def _parse_all():
    edges, nested = {m: set() for m in KNOWN}, {}
    for module, (path, is_package) in MODULES.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        own_faces = set(_enclosing_faces(module)) | ({module} if is_package else set())
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for target in _imported(module, is_package, node):
                for face in _enclosing_faces(target):
                    if face not in own_faces and face in KNOWN:
                        edges[module].add(face)
                if target != module:
                    edges[module].add(target)
        nested[module] = [(node.lineno, node) for node in _nested_imports(tree)]
    return edges, nested


EDGES, NESTED = _parse_all()


def _cycles(edges: dict) -> list[list[str]]:
    """Strongly connected components of two or more modules (Tarjan)."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(edges)))
    try:
        for v in sorted(edges):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return components


def _closed_path(component: list[str]) -> list[str]:
    """One cycle through the component's first module (breadth-first, inside the component)."""
    members, start = set(component), component[0]
    previous, frontier = {start: None}, [start]
    while frontier:
        following = []
        for v in frontier:
            for w in sorted(EDGES[v] & members):
                if w == start:
                    path = [v]
                    while previous[path[-1]] is not None:
                        path.append(previous[path[-1]])
                    return path[::-1] + [start]
                if w not in previous:
                    previous[w] = v
                    following.append(w)
        frontier = following
    return component


def _is_optional_third_party(name: str) -> bool:
    top = name.split(".")[0]
    return top not in sys.stdlib_module_names and top not in ("dagnet", "numpy")


def test_the_parser_sees_every_module_and_resolves_relative_imports():
    assert "dagnet.layers.layer" in MODULES and "dagnet.ops" in MODULES
    assert "dagnet.layers.layer" in EDGES["dagnet.layers.core"]
    assert "dagnet.ops" in EDGES["dagnet.activations"]  # `from . import ops`: the ops package's face
    assert "dagnet._engine" in EDGES["dagnet.engine"]


def test_a_cycle_would_be_found():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(edges) == [["a", "b", "c"]]


def test_no_import_cycle():
    cycles = _cycles(EDGES)
    assert not cycles, "import cycles:\n" + "\n".join(
        f"{len(c)} modules {c}; e.g. " + " -> ".join(_closed_path(c)) for c in cycles
    )


def test_function_local_imports_are_only_optional_third_party_packages():
    bad = []
    for module, nodes in NESTED.items():
        for lineno, node in nodes:
            if isinstance(node, ast.ImportFrom) and node.level:
                bad.append(f"{module}:{lineno} (relative import)")
                continue
            names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            bad += [f"{module}:{lineno} ({name})" for name in names if not _is_optional_third_party(name or "")]
    assert not bad, "imports inside functions or classes that belong at the top of their module:\n" + "\n".join(bad)

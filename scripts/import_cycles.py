"""List every import cycle between the project's modules; exit 1 when there is one.

Run from the project root: `.venv/bin/python scripts/import_cycles.py` (`make lint` runs
it). It walks grimp's import graph (the one import-linter checks), with the imports
inside functions and under TYPE_CHECKING counted too, so an import moved into a function
to dodge a cycle is still a cycle here. Migrations are left out.
"""

import sys
from pathlib import Path

import grimp

PACKAGES = ("herocon_registry", "customers", "consents", "privacy")


def import_cycles(packages: tuple[str, ...] = PACKAGES) -> list[list[str]]:
    """Each group of modules that import each other, directly or through others: the
    strongly connected components (Tarjan) of the direct-import graph with more than one
    member, each sorted, in sorted order."""
    graph = grimp.build_graph(*packages, cache_dir=None)
    modules = sorted(m for m in graph.modules if ".migrations" not in m)
    edges = {
        m: sorted(n for n in graph.find_modules_directly_imported_by(m) if ".migrations" not in n)
        for m in modules
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in edges.get(module, []):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in modules:
        if module not in index:
            visit(module)
    return sorted(cycles)


def main() -> int:
    sys.path.insert(0, str(Path.cwd()))
    cycles = import_cycles()
    for group in cycles:
        print("import cycle:", " <-> ".join(group))
    print(f"{len(cycles)} import cycles")
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main())

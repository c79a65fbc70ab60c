"""Fail when modules of the app import each other in a circle (`make lint`, run by CI).

import-linter's contracts check layers and forbidden imports between packages; this walks the
same import graph (grimp, import-linter's own) module by module, counting imports made inside
functions too: a circle closed by a "lazy" import is still a circle a reader has to untangle.

    .venv/bin/python tools/import_cycles.py [package ...]   (default: hub_app workers admin)
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp

PACKAGES = ("hub_app", "workers", "admin")


def circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of modules that reach each other through imports (strongly connected, Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        # Iterative depth-first search: the import graph is deep enough to hit Python's recursion limit.
        work = [(module, iter(sorted(graph.find_modules_directly_imported_by(module))))]
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.find_modules_directly_imported_by(target)))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def main(packages: list[str]) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    graph = grimp.build_graph(*packages, include_external_packages=False)
    groups = circles(graph)
    for group in groups:
        members = set(group)
        print(f"import circle among {len(group)} modules:")
        for importer in group:
            for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
                lines = graph.get_import_details(importer=importer, imported=imported)
                where = ", ".join(f"line {d['line_number']}" for d in lines) or "?"
                print(f"  {importer} -> {imported} ({where})")
    if not groups:
        print(f"no import circles in {', '.join(packages)} ({len(graph.modules)} modules)")
    return 1 if groups else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(PACKAGES)))

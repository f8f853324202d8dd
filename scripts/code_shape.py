"""Two numbers of the code's shape (issue 08), read with ast from the source:

- views: length of each view (a function in a views module, or a method of a class in one,
  that is not a private helper), from its `def` (decorators excluded) to its last line;
- annotations: share of the app code's functions whose arguments (but self/cls) and return
  are all annotated. Migrations, tests and benchmarks are not app code.

Run: .venv/bin/python scripts/code_shape.py
"""

from __future__ import annotations

import ast
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["poverty_system", "portal", "villages", "households", "units", "archives", "assessment"]
APPS += [
    p.name
    for p in ROOT.iterdir()
    if (p / "apps.py").exists() and p.name not in APPS and p.name not in {"tests", "bench"}
]


def app_files() -> list[Path]:
    files = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")) if (ROOT / app).is_dir() else []:
            if "migrations" in path.parts:
                continue
            files.append(path)
    return files


def is_views_module(path: Path) -> bool:
    return "views" in path.stem or "views" in path.parent.parts


def functions(tree: ast.AST):
    """(function node, is a method) of every def in the module, nested ones included."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield item, True
    methods = {
        id(item) for node in ast.walk(tree) if isinstance(node, ast.ClassDef) for item in node.body
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and id(node) not in methods:
            yield node, False


def annotated(node: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> bool:
    args = node.args
    positional = args.posonlyargs + args.args
    if method and positional and positional[0].arg in {"self", "cls"}:
        positional = positional[1:]
    every = positional + args.kwonlyargs
    every += [a for a in (args.vararg, args.kwarg) if a is not None]
    return node.returns is not None and all(a.annotation is not None for a in every)


def view_lengths() -> list[tuple[int, str]]:
    found = []
    for path in app_files():
        if not is_views_module(path):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            defs: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                defs = [node]
            elif isinstance(node, ast.ClassDef) and any(
                "View" in ast.unparse(base) for base in node.bases
            ):
                defs = [
                    i for i in node.body if isinstance(i, ast.FunctionDef | ast.AsyncFunctionDef)
                ]
            for item in defs:
                if item.name.startswith("_"):
                    continue
                # Only views: a top-level function with a decorator (every view declares an
                # access rule) or a method of a view class.
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not (
                    node.decorator_list
                ):
                    continue
                length = (item.end_lineno or item.lineno) - item.lineno + 1
                found.append((length, f"{path.relative_to(ROOT)}:{item.lineno} {item.name}"))
    return found


def annotation_share() -> tuple[int, int]:
    total = done = 0
    for path in app_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node, method in functions(tree):
            total += 1
            done += annotated(node, method)
    return done, total


def main() -> int:
    views = view_lengths()
    lengths = [n for n, _ in views]
    done, total = annotation_share()
    print(f"views: {len(views)}, mean length {statistics.mean(lengths):.1f} lines, ", end="")
    print(f"max {max(lengths)}, over 40: {sum(n > 40 for n in lengths)}")
    for length, where in sorted(views, reverse=True)[: int(sys.argv[1]) if sys.argv[1:] else 5]:
        print(f"  {length:4d}  {where}")
    print(f"fully annotated functions: {done}/{total} = {done / total:.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The apps import each other in one direction only (docs/ARCHITECTURE.md):

    core  <  villages  <  households  <  units  <  assessment  <  projects  <  quality  <  stats
    <  project top

Every import in every module counts, at module level or inside a function. The core may read
the region tree (villages.models) and nothing else of an app. A lower layer never imports a
higher one, so there is no import loop between apps.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [
    "core",
    "villages",
    "households",
    "units",
    "assessment",
    "identification",
    "projects",
    "quality",
    "stats",
    "top",
]
# Modules of the project package that sit on top: they wire the apps together.
TOP_MODULES = {
    "poverty_system.settings",
    "poverty_system.urls",
    "poverty_system.views",
    "poverty_system.wsgi",
}
# The core reads accounts' region grants and the region tree; nothing else of an app.
CORE_EXCEPTIONS = {"villages.models"}


def layer_of(module: str) -> str | None:
    top = module.split(".")[0]
    if top == "poverty_system":
        return (
            "top" if any(module == m or module.startswith(m + ".") for m in TOP_MODULES) else "core"
        )
    return top if top in LAYERS else None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import statement in the file."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from pkg import module` imports pkg.module
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return found


def source_files() -> list[Path]:
    files = []
    for app in ("poverty_system", "villages", "households", "units", "assessment"):
        files += [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]
    return files


def violations(files) -> list[str]:
    found = []
    for path in files:
        module = module_name(path)
        own = layer_of(module)
        for line, target in imports_of(path):
            other = layer_of(target)
            if other is None or other == own:
                continue
            if own == "core" and any(
                target == e or target.startswith(e + ".") for e in CORE_EXCEPTIONS
            ):
                continue
            if LAYERS.index(other) > LAYERS.index(own):
                found.append(f"{path.relative_to(ROOT)}:{line}: {own} imports {target} ({other})")
    return found


def test_no_app_imports_against_the_order():
    assert violations(source_files()) == []


@pytest.mark.parametrize(
    ("where", "source", "expected"),
    [
        ("households/bad.py", "from units.models import Unit\n", "households imports units"),
        (
            "villages/bad.py",
            "def f():\n    from households import services\n",
            "villages imports households",
        ),
        ("poverty_system/bad.py", "from households.models import Household\n", "core imports"),
        ("units/bad.py", "import assessment.models\n", "units imports assessment"),
    ],
)
def test_the_check_catches_an_import_against_the_order(
    tmp_path, monkeypatch, where, source, expected
):
    """A loop or an upward import, at module level or inside a function, is reported."""
    target = ROOT / where
    monkeypatch.setattr(target.__class__, "read_text", lambda self, **kw: source)
    found = violations([target])
    assert found and expected in found[0]


def test_an_allowed_import_is_not_reported(monkeypatch):
    target = ROOT / "units" / "ok.py"
    monkeypatch.setattr(
        target.__class__,
        "read_text",
        lambda self, **kw: "from households.models import Household\n",
    )
    assert violations([target]) == []

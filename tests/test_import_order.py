"""The floors of the house (docs/ARCHITECTURE.md). Every folder is a floor; a floor imports only
the floors below it:

    core (poverty_system/core) < villages < households < units < archives < assessment
    < identification < monitoring < projects < exchange < reports < quality < stats
    < roof (portal/: urls, home views, menus, context processors, demo)

The floors are read from the folders: a top-level folder with an apps.py is an app and its
own floor, the project package poverty_system/ (its core, the settings, env, replica and
wsgi, which import no app) is the ground and portal/ the roof. A new
app adds nothing here but its folder (its name already has its place in ORDER; a folder
whose name is not in ORDER fails until it is given one).

Every import counts: at module level, inside a function and under TYPE_CHECKING alike. A lower
floor learns about a higher one only through reverse relations by name, never by importing
it. And modules do not import each other in a circle, inside a floor or across floors.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "poverty_system"
ROOF = "portal"
ORDER = [
    "core",
    "villages",
    "households",
    "units",
    "archives",
    "assessment",
    "identification",
    "monitoring",
    "projects",
    "exchange",
    "reports",
    "quality",
    "stats",
    "roof",
]


def app_folders(root: Path = ROOT) -> set[str]:
    """The top-level apps: folders holding an apps.py (the project package is the ground)."""
    return {p.parent.name for p in root.glob("*/apps.py")} - {PROJECT}


def floor_of(module: str, apps: Iterable[str]) -> str | None:
    """The floor a module lives on; None for a module outside the project (stdlib, Django)."""
    top = module.split(".")[0]
    if top == PROJECT:
        return "core"
    if top == ROOF:
        return "roof"
    return top if top in apps else None


@dataclass(frozen=True)
class Source:
    module: str  # dotted name, e.g. "households.models"
    text: str
    is_package: bool = False  # an __init__.py


def read_sources(root: Path = ROOT) -> list[Source]:
    sources = []
    for folder in sorted(app_folders(root) | {PROJECT, ROOF}):
        for path in sorted((root / folder).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts = parts[:-1]
            sources.append(Source(".".join(parts), path.read_text(encoding="utf-8"), is_package))
    return sources


def imports_of(source: Source, known: Iterable[str] = ()) -> list[tuple[int, str]]:
    """(line, module) of every import in the source. `from pkg import name` imports the
    module pkg.name when that is a module we know, else pkg itself."""
    known = set(known)
    package = source.module if source.is_package else source.module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source.text)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                child = f"{target}.{alias.name}"
                found.append((node.lineno, child if child in known else target))
    return found


def import_graph(sources: Iterable[Source]) -> dict[str, list[tuple[int, str]]]:
    """module -> (line, imported project module) for every module of the project."""
    sources = list(sources)
    known = {s.module for s in sources}
    return {
        s.module: sorted({(line, t) for line, t in imports_of(s, known) if t in known})
        for s in sources
    }


def arrows_up(sources: Iterable[Source], apps: Iterable[str]) -> list[str]:
    """Every import from a floor to a floor above it."""
    apps = set(apps)
    found = []
    for module, targets in import_graph(sources).items():
        own = floor_of(module, apps)
        for line, target in targets:
            other = floor_of(target, apps)
            if own and other and ORDER.index(other) > ORDER.index(own):
                found.append(f"{module}:{line}: {own} imports {target} ({other})")
    return found


def circles(sources: Iterable[Source]) -> list[list[str]]:
    """Groups of modules that import each other round in a circle (Tarjan's strongly connected
    components of more than one module, or a module importing itself)."""
    graph = {m: {t for _, t in targets} for m, targets in import_graph(sources).items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph[node]:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def sources_of(files: Mapping[str, str]) -> list[Source]:
    """Sources from {path: text}, for the tests of the check itself."""
    out = []
    for path, text in files.items():
        parts = path.removesuffix(".py").split("/")
        is_package = parts[-1] == "__init__"
        out.append(Source(".".join(parts[:-1] if is_package else parts), text, is_package))
    return out


# --- the house ----------------------------------------------------------------------------


def test_every_app_folder_has_its_place_in_the_order():
    assert app_folders() - set(ORDER) == set(), "add the new app to ORDER at its floor"


def test_the_floors_are_read_from_the_folders():
    apps = app_folders()
    assert {"villages", "households", "units", "archives", "assessment"} <= apps
    assert floor_of("poverty_system.core.access", apps) == "core"
    assert floor_of("portal.demo.seeding", apps) == "roof"
    assert floor_of("poverty_system.settings", apps) == "core"
    assert floor_of("archives.models", apps) == "archives"
    assert floor_of("django.db", apps) is None


def test_no_import_runs_up_the_floors():
    assert arrows_up(read_sources(), app_folders()) == []


def test_no_modules_import_each_other_in_a_circle():
    """None at all: a model does not call back into its access module, a package's modules
    do not import the package that imports them (quality.rules reads its registry from
    quality.rules.registry), a lazy import inside a function counts like any other."""
    assert circles(read_sources()) == []


# --- the check itself ---------------------------------------------------------------------

APPS = {"villages", "households", "units", "archives", "assessment", "stats"}
BASE = {
    "households/models.py": "",
    "units/models.py": "",
    "assessment/models.py": "",
    "stats/views.py": "",
    "poverty_system/core/access.py": "",
    "portal/views.py": "",
}


@pytest.mark.parametrize(
    ("where", "source", "expected"),
    [
        ("households/bad.py", "from units.models import Unit\n", "households imports units"),
        (
            "villages/bad.py",
            "def f():\n    from households import models\n",
            "villages imports households.models (households)",
        ),
        (
            "poverty_system/core/bad.py",
            "from households.models import Household\n",
            "core imports households.models",
        ),
        ("units/bad.py", "import assessment.models\n", "units imports assessment"),
        (
            "villages/typed.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from units.models import U\n",
            "villages imports units.models",
        ),
        ("assessment/bad.py", "from stats import views\n", "assessment imports stats.views"),
        ("poverty_system/core/up.py", "from portal import views\n", "core imports"),
    ],
)
def test_an_import_up_the_floors_is_reported(where, source, expected):
    """At module level, inside a function or for type checking only: reported."""
    found = arrows_up(sources_of({**BASE, where: source}), APPS)
    assert len(found) == 1 and expected in found[0], found


def test_imports_down_the_floors_are_allowed():
    files = {
        **BASE,
        "units/ok.py": "from households.models import Household\nimport django.db\n",
        "portal/urls.py": "from stats import views\nfrom units import models\n",
        "households/ok.py": "from poverty_system.core import access\nfrom . import models\n",
    }
    assert arrows_up(sources_of(files), APPS) == []


def test_a_circle_inside_an_app_is_reported():
    files = {
        "units/__init__.py": "",
        "units/models.py": "def scope():\n    from . import access\n",
        "units/access.py": "from .models import Unit\n",
        "units/views.py": "from .access import scope\nfrom . import models\n",
    }
    assert circles(sources_of(files)) == [["units.access", "units.models"]]


def test_a_longer_circle_and_a_module_importing_itself_are_reported():
    files = {
        "archives/export.py": "from .services import start\n",
        "archives/services.py": "from archives.tasks import run\n",
        "archives/tasks.py": "from .export import build\n",
        "archives/self.py": "from archives import self\n",
        "archives/clean.py": "from .export import build\n",
    }
    assert circles(sources_of(files)) == [
        ["archives.export", "archives.services", "archives.tasks"],
        ["archives.self"],
    ]


def test_a_package_importing_its_own_modules_is_no_circle():
    files = {
        "households/services/__init__.py": "from .base import save\nfrom .claims import claim\n",
        "households/services/base.py": "",
        "households/services/claims.py": "from households.services.base import save\n",
    }
    assert circles(sources_of(files)) == []

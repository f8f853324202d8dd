"""Role branches live only in the access layer (docs/ARCHITECTURE.md): views, services, forms
and templates ask for a permission (`access.role_allows(user, PERM)`, a step's `perm`), never
compare an account's role. Views still declare who may enter with `@roles(...)` (the rule
declarations of poverty_system/core/rules.py), which is not a branch."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Where a role may be compared: the access layer of each app, the rule and role declarations,
# the account model (its own is_admin), account creation (which roles an account may create is
# itself the access question), the menu's declaration of the roles an item is planned for,
# and the demo data (which creates accounts by role).
ALLOWED = ("*/access.py", "poverty_system/core/rules.py", "poverty_system/core/roles.py")
ALLOWED_FILES = {"villages/models.py", "villages/accounts.py", "portal/menus.py"}
ALLOWED_DIRS = ("portal/demo/",)
SKIPPED_DIRS = {".venv", "tests", "bench", "migrations", "node_modules", "var", "static"}
TEMPLATE_BRANCH = re.compile(r"\{%\s*(?:if|elif)\b[^%]*\brole\b[^%]*(?:==|!=|\bin\b)[^%]*%\}")


def mentions_role(node: ast.AST) -> bool:
    """`x.role`, `role`, `role_of(...)` or `Role.X` anywhere in the expression."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and (
            sub.attr == "role" or (isinstance(sub.value, ast.Name) and sub.value.id == "Role")
        ):
            return True
        if isinstance(sub, ast.Name) and sub.id == "role":
            return True
        if isinstance(sub, ast.Call):
            func = sub.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "role_of":
                return True
    return False


def role_branches(source: str) -> list[int]:
    """Lines comparing a role (==, !=, in, not in) in Python source."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        if not any(isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn) for op in node.ops):
            continue
        if any(mentions_role(side) for side in (node.left, *node.comparators)):
            lines.append(node.lineno)
    return lines


def allowed(relative: str) -> bool:
    return (
        any(Path(relative).match(pattern) for pattern in ALLOWED)
        or relative in ALLOWED_FILES
        or relative.startswith(ALLOWED_DIRS)
    )


def project_sources() -> list[Path]:
    return [
        path for path in ROOT.rglob("*.py") if not SKIPPED_DIRS & set(path.relative_to(ROOT).parts)
    ]


def test_no_role_branch_outside_the_access_layer():
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in project_sources()
        if not allowed(str(path.relative_to(ROOT)))
        for line in role_branches(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "ask for a permission instead of comparing the role: " + ", ".join(found)


def test_no_template_branches_on_a_role():
    found = [
        f"{path.relative_to(ROOT)}"
        for path in (ROOT / "templates").rglob("*.html")
        if TEMPLATE_BRANCH.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        "if access.role_of(user) == Role.COUNTY:\n    pass\n",
        "batch = step == 'x' and user.role == 'county'\n",
        "if role in (Role.UNIT, Role.CADRE):\n    pass\n",
        "ok = step.role != 'village'\n",
    ],
)
def test_a_role_branch_is_reported(source):
    assert role_branches(source) == [1]


@pytest.mark.parametrize(
    "source",
    [
        "if access.role_allows(user, COUNTY_STEPS):\n    pass\n",
        "label = Role(step.role).label\n",
        "view = roles(Role.VILLAGE, Role.TOWNSHIP)(view)\n",
        "if step.perm == DECIDE:\n    pass\n",
    ],
)
def test_asking_for_a_permission_is_no_branch(source):
    assert role_branches(source) == []


def test_a_template_branch_on_a_role_is_reported():
    assert TEMPLATE_BRANCH.search("{% if due.role == 'village' %}村级账号{% endif %}")
    assert not TEMPLATE_BRANCH.search("{{ due.role_label }}")

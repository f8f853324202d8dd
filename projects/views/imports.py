"""项目导入 and 资金导入 (county offices): the template to download, the upload checked whole
and written all or nothing, the problems of each row on the page; and 导出 of the library
live on the lists (the library's and the ledgers')."""

import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from poverty_system.core.roles import Role
from poverty_system.core.rules import roles
from poverty_system.core.xlsx import XLSX_CONTENT_TYPE, limits

from .. import sheets
from ..forms import ImportForm
from ..services import imports as actions
from .common import EDIT_ERRORS, show_error


@dataclass(frozen=True)
class Kind:
    code: str  # library / ledger
    title: str
    action: Any
    done: str  # the message, {n} rows
    back: str  # where a successful import goes
    file_name: str


KINDS = {
    "library": Kind(
        "library",
        "项目导入",
        actions.import_projects,
        "已导入 {n} 个项目（村级录入）。",
        "projects:library",
        "项目库导入模板.xlsx",
    ),
    "ledger": Kind(
        "ledger",
        "资金导入",
        actions.import_movements,
        "已导入 {n} 笔资金。",
        "projects:fund_summary",
        "扶贫资金导入模板.xlsx",
    ),
}


def _import(code: str) -> Any:
    kind = KINDS[code]

    @roles(Role.COUNTY)
    def view(request):
        form = ImportForm(request.POST or None, request.FILES or None)
        problems = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                count = kind.action(request.actor, upload, upload.name)
            except actions.ImportRefused as exc:
                form.add_error(None, exc.message)
                problems = exc.problems()
            except EDIT_ERRORS as exc:
                show_error(form, exc)
            else:
                messages.success(request, kind.done.format(n=count))
                return redirect(kind.back)
        context = {"kind": kind, "form": form, "problems": problems, "limits": limits()}
        return render(request, "projects/import.html", context)

    return view


def _template(code: str) -> Any:
    kind = KINDS[code]

    @roles(Role.COUNTY)
    def view(request):
        out = io.BytesIO()
        sheets.write_template(out, code)
        response = HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(kind.file_name)}"
        return response

    view.__name__ = f"{kind.code}_template"
    return view


urlpatterns = [
    path("import/", _import("library"), name="library_import"),
    path("import/template/", _template("library"), name="library_template"),
    path("funds/import/", _import("ledger"), name="fund_import"),
    path("funds/import/template/", _template("ledger"), name="fund_template"),
]

"""受益户 of a project (项目实施 › 受益户): the list with the counts from the household table,
search among the households of the project's villages, an Excel list of 户编号."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from poverty_system.core.roles import Role
from poverty_system.core.rules import roles

from .. import listing
from ..access import EDIT_BENEFICIARIES, get_project
from ..errors import ProjectError
from ..models import Beneficiary
from ..services import beneficiaries as actions
from .common import project_readers

editors = roles(Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY)


@project_readers
def beneficiaries(request, pk):
    project = get_project(request.user, pk)
    context = listing.beneficiaries_page(request.user, project, request.GET)
    return render(
        request, "projects/beneficiaries.html", {**context, "ways": Beneficiary.Way.choices}
    )


@editors
@require_POST
def add(request, pk):
    project = get_project(request.user, pk, EDIT_BENEFICIARIES)
    try:
        added = actions.add(
            request.actor,
            project.pk,
            request.POST.getlist("households"),
            request.POST.get("way", ""),
        )
    except ProjectError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已添加 {added} 户受益户。")
    return redirect("projects:beneficiaries", pk=project.pk)


@editors
@require_POST
def import_list(request, pk):
    project = get_project(request.user, pk, EDIT_BENEFICIARIES)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ProjectError("请选择 Excel 文件。", "file")
        added = actions.add_by_numbers(
            request.actor, project.pk, actions.read_numbers(upload), request.POST.get("way", "")
        )
    except ProjectError as exc:
        messages.error(request, f"导入未完成：{exc.message}")
    else:
        messages.success(request, f"已导入 {added} 户受益户。")
    return redirect("projects:beneficiaries", pk=project.pk)


@editors
@require_POST
def remove(request, pk, beneficiary):
    project = get_project(request.user, pk, EDIT_BENEFICIARIES)
    try:
        actions.remove(request.actor, project.pk, beneficiary)
    except ProjectError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已移除。")
    return redirect("projects:beneficiaries", pk=project.pk)


urlpatterns = [
    path("<int:pk>/beneficiaries/", beneficiaries, name="beneficiaries"),
    path("<int:pk>/beneficiaries/add/", add, name="beneficiary_add"),
    path("<int:pk>/beneficiaries/import/", import_list, name="beneficiary_import"),
    path("<int:pk>/beneficiaries/<int:beneficiary>/remove/", remove, name="beneficiary_remove"),
]

"""项目库维护, 项目立项, 项目调整, 项目实施: lists of the library by stage, the project page
with the steps the account may take, 村级录入 and its edits, attachments."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from poverty_system.core.ids import id_or_404
from poverty_system.core.roles import Role
from poverty_system.core.rules import roles

from .. import listing, sheets, states
from ..access import PROPOSE_PROJECTS, get_project
from ..choices import State
from ..export import audited_xlsx_response
from ..files import CONTENT_TYPES
from ..forms import AddProjectForm, ProjectForm, step_data, step_form
from ..models import Attachment, Project
from ..services import library as actions
from .common import EDIT_ERRORS, project_readers, show_error

S = State
STAGES = {
    "library": ("项目库维护", ()),
    "approval": ("项目立项", (S.REVIEWED, S.STORED, S.APPROVED)),
    "adjustment": ("项目调整", (S.IMPLEMENTING, S.ADJUSTING)),
    "implementation": ("项目实施", (S.ANNOUNCED, S.IMPLEMENTING, S.ACCEPTED, S.SETTLED)),
}


def _list(stage):
    title, stage_states = STAGES[stage]

    @project_readers
    def view(request):
        if request.GET.get("format") == "xlsx":
            return _export(request, title, stage_states)
        found = listing.project_list(request.user, stage_states, request.GET)
        return render(request, "projects/list.html", {"title": title, **found})

    return view


def _export(request, title, stage_states):
    """导出: the list's own query with its filters, every row, audited."""
    found, filters = listing.library(request.user, stage_states, request.GET)
    rows = sheets.library_rows(found)
    return audited_xlsx_response(
        request.actor,
        {"what": title, **filters},
        f"{title}.xlsx",
        "项目库",
        sheets.library_columns(),
        rows,
    )


@roles(Role.VILLAGE)
def add(request):
    form = AddProjectForm(request.POST or None, user=request.user, instance=Project())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = actions.create_project(
                request.actor, data["region"], data, data.get("places") or ()
            )
        except EDIT_ERRORS as exc:
            show_error(form, exc)
        else:
            messages.success(
                request, f"已录入项目“{project.name}”，上传会议记录和公示照片后即可申报。"
            )
            return redirect("projects:project", pk=project.pk)
    return render(request, "projects/form.html", {"form": form, "adding": True})


@roles(Role.VILLAGE)
def edit(request, pk):
    project = get_project(request.user, pk, PROPOSE_PROJECTS)
    form = ProjectForm(request.POST or None, instance=project, county=listing.county_of(project))
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            actions.edit_project(
                request.actor,
                project.pk,
                form.cleaned_data,
                request.POST.get("version"),
                form.cleaned_data.get("places") or (),
            )
        except EDIT_ERRORS as exc:
            show_error(form, exc)
            stale = getattr(exc, "changes", None)
        else:
            messages.success(request, "已保存。")
            return redirect("projects:project", pk=project.pk)
    elif request.method == "GET" and project.state not in states.EDITABLE:
        messages.info(request, f"项目当前为“{project.get_state_display()}”，不能修改。")
        return redirect("projects:project", pk=project.pk)
    return render(request, "projects/form.html", {"form": form, "project": project, "stale": stale})


@project_readers
def detail(request, pk):
    project = get_project(
        request.user, pk, queryset=Project.objects.select_related("region", "implementing_unit")
    )
    return render(request, "projects/project.html", listing.project_page(request.user, project))


def _step_view(code):
    step = states.STEPS[code]

    @require_POST
    def view(request, pk):
        project = get_project(request.user, pk, step.perm)
        form = step_form(step, request.POST, request.FILES)
        if form.is_valid():
            try:
                actions.take_step(request.actor, project.pk, code, step_data(step, form))
            except EDIT_ERRORS as exc:
                messages.error(request, f"{step.label}未完成：{exc.message}")
            else:
                messages.success(request, f"已{step.label}。")
        else:
            errors = "；".join(e for errs in form.errors.values() for e in errs)
            messages.error(request, f"{step.label}未完成：{errors}")
        return redirect("projects:project", pk=project.pk)

    view.__name__ = f"step_{code}"
    return roles(Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY)(view)


@project_readers
def attachment(request, pk):
    found = Attachment.objects.select_related("project").filter(pk=id_or_404(pk)).first()
    if found is None:
        raise Http404
    get_project(request.user, found.project_id)  # 404 unless the project is readable
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = CONTENT_TYPES.get(found.extension, "application/octet-stream")
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=content_type == "application/pdf",
        filename=f"{found.project.number}-{found.get_kind_display()}.{found.extension}",
    )
    response["Cache-Control"] = "private, max-age=0"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("", _list("library"), name="library"),
    path("approval/", _list("approval"), name="approval"),
    path("adjustment/", _list("adjustment"), name="adjustment"),
    path("implementation/", _list("implementation"), name="implementation"),
    path("add/", add, name="add"),
    path("<int:pk>/", detail, name="project"),
    path("<int:pk>/edit/", edit, name="edit"),
    path("attachments/<int:pk>/", attachment, name="attachment"),
    *[
        path(f"<int:pk>/{code.replace('_', '-')}/", _step_view(code), name=f"step_{code}")
        for code in states.STEPS
    ],
]

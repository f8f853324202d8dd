"""Background work of imports and exports (django-tasks; `manage.py task_worker` runs it)."""

from django_tasks import task

from . import exports, imports


@task()
def run_import_job(job_id: int) -> None:
    """Check and write an import recorded by services.start_import (a large file)."""
    imports.run_import(job_id)


@task()
def run_export_job(job_id: int) -> None:
    """Write an export recorded by services.start_export (many households)."""
    exports.build(job_id)


@task()
def run_department_job(job_id: int) -> None:
    """Compare a department file recorded by department_jobs.start (a large file)."""
    from .department_jobs import run  # department_jobs enqueues this task: imported here

    run(job_id)

"""Background work of the QR archives (django-tasks; `manage.py db_worker` runs it)."""

from django_tasks import task

from .export import build


@task()
def export_archives(export_id: int) -> None:
    """Build an export recorded by start_export (over EXPORT_INLINE_MAX households)."""
    build(export_id)

"""Attachments of a step (a photo of the notice, the meeting record): JPEG, PNG or PDF,
recognised by their content, never by the uploaded name (poverty_system.core.uploads);
stored under a random name."""

from __future__ import annotations

from typing import Any

from poverty_system.core import uploads

from .errors import IdentificationError

MAX_BYTES, MAX_FILES = uploads.MAX_BYTES, uploads.MAX_FILES
CONTENT_TYPES = uploads.CONTENT_TYPES
MESSAGE = uploads.MESSAGE


def check_file(upload: Any) -> str:
    """The stored extension by the file's content; IdentificationError otherwise."""
    return uploads.check_file(upload, IdentificationError)


def check_files(files: list[Any]) -> list[tuple[Any, str]]:
    return uploads.check_files(files, IdentificationError)


def save_files(event: Any, checked: list[tuple[Any, str]]) -> None:
    from .models import Attachment

    for upload, ext in checked:
        attachment = Attachment(
            event=event,
            content_type=CONTENT_TYPES[ext],
            size=upload.size,
            name=uploads.original_name(upload),
        )
        attachment.file.save(uploads.stored_name(ext), upload, save=False)
        attachment.save()

"""Attachments of a step (a photo of the notice, the meeting record): JPEG, PNG or PDF,
recognised by their content, never by the uploaded name; stored under a random name."""

from __future__ import annotations

import uuid
from typing import Any

from .errors import IdentificationError

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
IMAGE_TYPES = {"JPEG": "jpg", "PNG": "png"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
MESSAGE = "附件须为 JPEG、PNG 图片或 PDF 文件。"


def check_file(upload: Any) -> str:
    """The stored extension by the file's content; IdentificationError otherwise."""
    if upload.size > MAX_BYTES:
        raise IdentificationError(f"附件“{upload.name[:40]}”超过 10 MB。", "attachments")
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        return "pdf"
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
    except Image.DecompressionBombError:
        raise IdentificationError("图片尺寸过大，请压缩后再上传。", "attachments") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise IdentificationError(MESSAGE, "attachments") from None
    finally:
        upload.seek(0)
    if kind not in IMAGE_TYPES:
        raise IdentificationError(MESSAGE, "attachments")
    return IMAGE_TYPES[kind]


def check_files(uploads: list[Any]) -> list[tuple[Any, str]]:
    if len(uploads) > MAX_FILES:
        raise IdentificationError(f"每个环节最多上传 {MAX_FILES} 个附件。", "attachments")
    return [(upload, check_file(upload)) for upload in uploads]


def save_files(event: Any, checked: list[tuple[Any, str]]) -> None:
    from .models import Attachment

    for upload, ext in checked:
        attachment = Attachment(
            event=event,
            content_type=CONTENT_TYPES[ext],
            size=upload.size,
            name=(upload.name or "附件")[-100:],
        )
        attachment.file.save(f"{uuid.uuid4().hex}.{ext}", upload, save=False)
        attachment.save()

"""Evidence files (a photo of a notice, a meeting record, a removal's proof): JPEG, PNG or PDF,
recognised by their content, never by the uploaded name or type, and stored under a random
name. The identification steps (identification.attachments) and 清退 (households) check
their uploads here; each app keeps its own append-only attachment model."""

from __future__ import annotations

import uuid
from typing import Any

from .errors import ActionError

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
IMAGE_TYPES = {"JPEG": "jpg", "PNG": "png"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
MESSAGE = "附件须为 JPEG、PNG 图片或 PDF 文件。"
FIELD = "attachments"


class UploadError(ActionError):
    """A refused upload, next to the form's attachments field."""


def check_file(upload: Any, error: type[ActionError] = UploadError) -> str:
    """The stored extension by the file's content; `error` (the app's ActionError) otherwise."""
    if upload.size > MAX_BYTES:
        raise error(f"附件“{upload.name[:40]}”超过 10 MB。", FIELD)
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
        raise error("图片尺寸过大，请压缩后再上传。", FIELD) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise error(MESSAGE, FIELD) from None
    finally:
        upload.seek(0)
    if kind not in IMAGE_TYPES:
        raise error(MESSAGE, FIELD)
    return IMAGE_TYPES[kind]


def check_files(
    uploads: list[Any], error: type[ActionError] = UploadError, *, per: str = "每个环节"
) -> list[tuple[Any, str]]:
    if len(uploads) > MAX_FILES:
        raise error(f"{per}最多上传 {MAX_FILES} 个附件。", FIELD)
    return [(upload, check_file(upload, error)) for upload in uploads]


def stored_name(ext: str) -> str:
    return f"{uuid.uuid4().hex}.{ext}"


def original_name(upload: Any) -> str:
    return str(upload.name or "附件")[-100:]

"""Attachments checked by their content, not their name: JPEG, PNG or PDF only."""

from __future__ import annotations

from typing import Any

from .errors import ProjectError

MAX_BYTES = 10 * 1024 * 1024
IMAGE_TYPES = {"JPEG": "jpg", "PNG": "png"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
ALLOWED = "JPEG、PNG 图片或 PDF 文件"


def check_file(upload: Any, field: str = "attachment") -> str:
    """The file's extension by its content; ProjectError unless JPEG, PNG or PDF."""
    if upload.size > MAX_BYTES:
        raise ProjectError("附件不能超过 10 MB。", field)
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        upload.seek(max(upload.size - 1024, 0))
        tail = upload.read()
        upload.seek(0)
        if b"%%EOF" not in tail:
            raise ProjectError("PDF 文件不完整，请重新导出后上传。", field)
        return "pdf"
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
    except Image.DecompressionBombError:
        raise ProjectError("图片尺寸过大，请压缩后再上传。", field) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ProjectError(f"附件须为{ALLOWED}。", field) from None
    finally:
        upload.seek(0)
    if kind not in IMAGE_TYPES:
        raise ProjectError(f"附件须为{ALLOWED}。", field)
    return IMAGE_TYPES[kind]

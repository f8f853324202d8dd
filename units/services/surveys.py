"""贫困户信息调查情况表 (procedure 7): the assigned cadre fills, per household and year, the
development wishes, the assistance measures and the exit plan; and records visits (帮扶日志)."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from households.models import Household
from poverty_system.core import changelog, versioning
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year

from .. import access as unit_access
from ..models import Cadre, Measure, MeasureStatus, Survey, VisitLog
from .base import UnitError

PHOTO_MAX_BYTES = 5 * 1024 * 1024
# The stored file's extension comes from the format Pillow reads, never from the uploaded
# name: a name like "x.html" would have the photo served as a page of the site.
PHOTO_TYPES = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
PHOTO_CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
MEASURE_FIELDS = ("kind", "description", "amount", "status", "start_date", "end_date")


def _assigned_cadre(actor: Actor, household: Household) -> tuple[Cadre | None, Household]:
    """The acting cadre, who must hold the household's active assignment (404 otherwise)."""
    household = unit_access.get_survey_household_for_user(actor.user, household.pk, edit=True)
    return unit_access.cadre_of(actor.user), household


def _measure_data(row: dict[str, Any]) -> dict[str, Any]:
    """A measure's fields from a valid row (units.forms.MeasureForm)."""
    return {
        "kind": row["kind"],
        "description": (row.get("description") or "").strip(),
        "amount": row.get("amount") or Decimal("0"),
        "status": row.get("status") or MeasureStatus.PLANNED,
        "start_date": row.get("start_date") or None,
        "end_date": row.get("end_date") or None,
    }


def save_survey(
    actor: Actor,
    household: Household,
    *,
    wishes: str,
    exit_year: int | None,
    exit_plan: str = "",
    measures: list[dict[str, Any]],
    version: object = None,
    year: int | None = None,
) -> Survey:
    """Save this year's survey of an assigned household with its measures (rows with an `id`
    update that measure, rows without add one, existing measures not listed are removed, but
    for those tied to a monitoring risk)."""
    year = year or current_year()
    if year != current_year():
        raise UnitError("只能填写本年度的调查情况表。", "year")
    cleaned = [_measure_data(row) for row in measures]
    with transaction.atomic(durable=True):
        cadre, household = _assigned_cadre(actor, household)
        survey = Survey.objects.select_for_update().filter(household=household, year=year).first()
        if survey is None:
            survey = Survey(household=household, year=year)
            created = True
        else:
            versioning.check_version(survey, version, what="该调查情况表")
            versioning.bump(survey)
            created = False
        survey.wishes = (wishes or "").strip()
        survey.exit_year = exit_year
        survey.exit_plan = (exit_plan or "").strip()
        survey.cadre = cadre
        changelog.save(actor, survey, reason="填写调查情况表" if created else "修改调查情况表")
        existing = {m.pk: m for m in survey.measures.all()} if not created else {}
        keep, new, changed = set(), [], []
        for row, data in zip(measures, cleaned, strict=True):
            pk = row.get("id")
            if pk:
                measure = existing.get(int(pk))
                if measure is None:
                    raise UnitError("措施已被删除，请刷新后重新填写。", "measures")
                keep.add(measure.pk)
                if any(getattr(measure, f) != data[f] for f in MEASURE_FIELDS):
                    for f in MEASURE_FIELDS:
                        setattr(measure, f, data[f])
                    changed.append(measure)
            else:
                new.append(Measure(survey=survey, **data))
        # A measure answering a monitoring risk (risk_id) is kept up on the 监测对象 page, whose
        # gate counts it: a survey that leaves it out does not remove it.
        gone = [pk for pk, m in existing.items() if pk not in keep and m.risk_id is None]
        if gone:
            Measure.objects.filter(pk__in=gone).delete()
        changelog.bulk_update(actor, changed, list(MEASURE_FIELDS), reason="修改帮扶措施")
        changelog.bulk_create(actor, new, reason="添加帮扶措施")
    return survey


def check_photo(photo: UploadedFile | None) -> str | None:
    """The photo's file extension by its image format; UnitError unless JPEG, PNG or WEBP."""
    if photo is None:
        return None
    if (photo.size or 0) > PHOTO_MAX_BYTES:
        raise UnitError("照片不能超过 5 MB。", "photo")
    from PIL import Image, UnidentifiedImageError

    try:
        photo.seek(0)
        with Image.open(photo) as image:
            kind = image.format
            image.verify()
    except Image.DecompressionBombError:  # a few bytes that claim billions of pixels
        raise UnitError("照片尺寸过大，请压缩后再上传。", "photo") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UnitError("照片须为 JPEG、PNG 或 WEBP 格式的图片。", "photo") from None
    finally:
        photo.seek(0)
    if kind not in PHOTO_TYPES:
        raise UnitError("照片须为 JPEG、PNG 或 WEBP 格式的图片。", "photo")
    return PHOTO_TYPES[kind]


def add_visit(
    actor: Actor,
    household: Household,
    *,
    date: datetime.date,
    content: str,
    photo: UploadedFile | None = None,
) -> VisitLog:
    """帮扶日志: a visit record of an assigned household, with an optional photo whose bytes
    decide its type (the form, units.forms.VisitForm, has checked the date and the text)."""
    ext = check_photo(photo)
    with transaction.atomic(durable=True):
        cadre, household = _assigned_cadre(actor, household)
        visit = VisitLog(household=household, cadre=cadre, date=date, content=content)
        if photo is not None:
            # A random name: an uploaded file name may carry a person's name.
            visit.photo.save(f"{uuid.uuid4().hex}.{ext}", photo, save=False)
        visit.save()
    return visit

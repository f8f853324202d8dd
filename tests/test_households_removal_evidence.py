"""清退 records its evidence as the identification steps do (issue 11): files checked by their
content (JPEG, PNG, PDF; a renamed text file is refused and nothing is removed), at most five,
kept on the status change with its reason, actor and time, append-only; read only by the
accounts that read the household."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from households import services
from households.choices import HouseholdStatus as S
from households.models import EvidenceIsAppendOnly, Household, StatusEvidence
from poverty_system.core.actor import Actor

from .households_data import member, no_sms_throttle, register  # noqa: F401

pytestmark = pytest.mark.django_db


def png(name="核查记录.png"):
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def pdf(name="评议记录.pdf"):
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", content_type="application/pdf"
    )


def test_removal_keeps_its_evidence_on_the_status_change(world, login):
    household = register(world.village_account, world.phone, [member("张三")])
    client = login(world.village_account, world.phone)
    url = f"/households/{household.pk}/remove/"
    assert 'name="attachments"' in client.get(url).content.decode()
    response = client.post(url, {"reason": "不符合识别标准", "attachments": [png(), pdf()]})
    assert response.status_code == 302, response.content.decode()
    household.refresh_from_db()
    assert household.status == S.REMOVED
    change = household.status_changes.get(to_status=S.REMOVED)
    files = list(change.evidence.all())
    assert [(f.name, f.content_type) for f in files] == [
        ("核查记录.png", "image/png"),
        ("评议记录.pdf", "application/pdf"),
    ]
    assert all(not f.file.name.endswith(("核查记录.png", "评议记录.pdf")) for f in files)
    assert (change.reason, change.actor, change.phone) == (
        "不符合识别标准",
        world.village_account,
        world.phone.phone,
    )
    # Shown on the household page; read by those who read the household, 404 to others.
    page = login(world.township_office).get(f"/households/{household.pk}/").content.decode()
    assert "佐证材料：核查记录.png" in page
    file_url = f"/households/evidence/{files[0].pk}/"
    response = login(world.township_office).get(file_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert login(world.other_township_office).get(file_url).status_code == 404
    assert login(world.unit_account).get(file_url).status_code == 404
    missing = f"/households/evidence/{files[-1].pk + 1}/"
    assert login(world.township_office).get(missing).status_code == 404
    # Append-only.
    with pytest.raises(EvidenceIsAppendOnly):
        files[0].save()
    with pytest.raises(EvidenceIsAppendOnly):
        files[0].delete()


def test_a_file_that_is_not_an_image_or_pdf_is_refused_and_nothing_is_removed(world, login):
    household = register(world.village_account, world.phone, [member("张三")])
    client = login(world.village_account, world.phone)
    fake = SimpleUploadedFile("照片.jpg", b"not an image at all", content_type="image/jpeg")
    response = client.post(
        f"/households/{household.pk}/remove/", {"reason": "不符合识别标准", "attachments": [fake]}
    )
    assert response.status_code == 200
    assert "附件须为 JPEG、PNG 图片或 PDF 文件。" in response.content.decode()
    assert Household.objects.get(pk=household.pk).status == S.POOR
    assert not StatusEvidence.objects.exists()
    with pytest.raises(services.HouseholdError, match="最多上传 5 个附件"):
        services.remove_household(
            Actor(world.village_account, world.phone),
            household,
            "不符合识别标准",
            files=[png(f"{i}.png") for i in range(6)],
        )
    assert Household.objects.get(pk=household.pk).status == S.POOR

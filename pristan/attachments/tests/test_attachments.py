"""Attachments: sealed under the person's key as they arrive, checked by content, shown only to
those who see every section they belong to, served without caching or scripts, audited, erased."""

import struct
import zlib
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pristan.attachments import services
from pristan.attachments.models import Attachment, AttachmentKind, AttachmentSubject
from pristan.cases.services import consent_record
from pristan.core.models import AuditEntry
from pristan.core.sealed_file import sealed_key_id
from pristan.erasure.services import person_erase
from pristan.interchange import uploads
from pristan.interchange.models import UploadInFlight
from pristan.keystore.models import DataKey
from pristan.referrals.services import referral_send


def png() -> bytes:
    """A real 2×2 PNG (a browser draws it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xcc\x22\x22" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    )  # fmt: skip


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def attached(case, actor, *, kind=AttachmentKind.PHOTO, data=None, name="photo.png", **extra) -> Attachment:
    upload = services.sealed_upload_of(case=case, name=name, data=png() if data is None else data)
    subject = extra.pop("subject", "case")
    return services.attachment_add(actor=actor, case=case, upload=upload, kind=kind, subject=subject, **extra)


def _post(client, case, data: bytes, name: str = "photo.png", kind: str = AttachmentKind.PHOTO, **fields):
    upload = SimpleUploadedFile(name, data, content_type="image/png")
    form = {"file": upload, "kind": kind, "subject": "person", "description": "", **fields}
    return client.post(reverse("case_attachments", args=[case.reference]), form)


def _stored(settings) -> list[Path]:
    return sorted((settings.VAR_DIR / "attachments").glob("*"))


def test_an_upload_is_sealed_under_the_persons_key_as_it_arrives(client_of, ana, case, settings):
    response = _post(client_of(ana), case, png())
    assert response.status_code == 302
    attachment = Attachment.objects.get(case=case)
    assert (attachment.kind, attachment.subject, attachment.content_type) == ("photo", "person", "image/png")
    assert attachment.name == "photo.png"
    [path] = _stored(settings)
    assert path.name == f"{attachment.file_id}.sealed"
    assert sealed_key_id(path) == case.person.key_id  # the person's key: erasing them erases the file
    assert b"IHDR" not in path.read_bytes()  # never at rest in clear
    assert list((settings.VAR_DIR / "imports").glob("*")) == []  # nor through the imports' directory
    assert AuditEntry.objects.filter(action="create", object_type="attachments.attachment", case=case).exists()


def test_a_file_of_another_kind_is_refused_by_its_content_and_nothing_is_kept(client_of, ana, case, settings):
    client = client_of(ana)  # signed in first: her authenticator has a data key of its own
    keys_before = DataKey.objects.count()
    response = _post(client, case, b"<html><script>alert(1)</script></html>", name="photo.png")
    assert response.status_code == 422
    assert "This file is not one Pristan keeps: attach a PDF, JPEG, PNG, WebP or HEIC file." in response.content.decode()
    assert not Attachment.objects.exists()
    assert _stored(settings) == []
    assert DataKey.objects.count() == keys_before  # the person's key is never destroyed by a refused file
    assert DataKey.objects.filter(id=case.person.key_id).exists()


def test_a_file_over_the_limit_is_cut_off_while_it_arrives(client_of, ana, case, settings, monkeypatch):
    monkeypatch.setattr(services, "MAX_ATTACHMENT_BYTES", 1000)
    response = _post(client_of(ana), case, png() + b"\x00" * 5000)
    assert response.status_code == 413
    assert "The file is larger than" in response.content.decode()
    assert not Attachment.objects.exists()
    assert _stored(settings) == []
    assert DataKey.objects.filter(id=case.person.key_id).exists()


def test_uploads_in_flight_count_for_attachments_too(client_of, ana, case, settings):
    import uuid

    from django.utils import timezone

    client = client_of(ana)
    for _ in range(uploads.MAX_UPLOADS_IN_FLIGHT):
        UploadInFlight.objects.create(id=uuid.uuid4(), user=ana, started_at=timezone.now())
    response = _post(client, case, png())
    assert response.status_code == 429
    assert not Attachment.objects.exists()
    assert _stored(settings) == []


def test_a_preview_is_inline_never_cached_sandboxed_and_audited(client_of, ana, case):
    attachment = attached(case, ana)
    response = client_of(ana).get(reverse("attachment_preview", args=[case.reference, attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png()
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Security-Policy"].startswith("sandbox;")
    assert "default-src 'none'" in response["Content-Security-Policy"]
    read = AuditEntry.objects.get(action="view", object_type="attachments.attachment", object_id=str(attachment.pk))
    assert read.fields == ["preview"]
    assert read.actor_id == ana.pk


def test_a_pdf_is_previewed_unsandboxed_for_the_browser_s_viewer_and_downloaded_sandboxed(client_of, ana, case):
    attachment = attached(case, ana, kind=AttachmentKind.TRAVEL_DOCUMENT, data=PDF, name="passport.pdf")
    client = client_of(ana)
    shown = client.get(reverse("attachment_preview", args=[case.reference, attachment.pk]))
    assert (shown["Content-Type"], shown["X-Content-Type-Options"]) == ("application/pdf", "nosniff")
    assert shown["Content-Disposition"].startswith("inline")
    assert shown["Content-Security-Policy"] == "frame-ancestors 'self'"  # Chromium blocks its viewer when sandboxed
    assert "no-store" in shown["Cache-Control"]
    saved = client.get(reverse("attachment_download", args=[case.reference, attachment.pk]))
    assert saved["Content-Security-Policy"].startswith("sandbox;")


def test_a_download_is_an_attachment_and_audited(client_of, ana, case):
    attachment = attached(case, ana, kind=AttachmentKind.TRAVEL_DOCUMENT, data=PDF, name="passport.pdf")
    assert attachment.content_type == "application/pdf"
    response = client_of(ana).get(reverse("attachment_download", args=[case.reference, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="passport.pdf"')
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF
    assert AuditEntry.objects.get(action="view", object_id=str(attachment.pk)).fields == ["download"]


def test_another_office_finds_nothing_and_uploads_nothing(client_of, ana, marko, case, settings):
    attachment = attached(case, ana)
    client = client_of(marko)
    assert client.get(reverse("case_attachments", args=[case.reference])).status_code == 404
    assert client.get(reverse("attachment_preview", args=[case.reference, attachment.pk])).status_code == 404
    assert client.get(reverse("attachment_download", args=[case.reference, attachment.pk])).status_code == 404
    assert client.post(reverse("attachment_delete", args=[case.reference, attachment.pk])).status_code == 404
    assert _post(client, case, png()).status_code == 404
    assert _stored(settings) == [services.attachment_path(attachment)]  # her file was read past, never kept
    assert not AuditEntry.objects.filter(action="view", actor=marko, object_type="attachments.attachment").exists()


def test_a_childs_case_needs_a_child_protection_clearance(client_of, ana, nina, open_case):
    child = open_case(given_name="Мария", born=date(2012, 3, 1))
    attachment = attached(child, ana)
    client = client_of(nina)
    assert client.get(reverse("case_attachments", args=[child.reference])).status_code == 404
    assert client.get(reverse("attachment_preview", args=[child.reference, attachment.pk])).status_code == 404


def test_a_medical_certificate_is_health(client_of, ana, movement_officer, case):
    photo = attached(case, ana)
    certificate = attached(case, ana, kind=AttachmentKind.MEDICAL_CERTIFICATE, data=PDF, name="certificate.pdf")
    client = client_of(movement_officer)  # her role has no health section
    page = client.get(reverse("case_attachments", args=[case.reference]))
    assert page.status_code == 200
    assert "photo.png" in page.content.decode()
    assert "certificate.pdf" not in page.content.decode()
    assert client.get(reverse("attachment_preview", args=[case.reference, photo.pk])).status_code == 200
    assert client.get(reverse("attachment_preview", args=[case.reference, certificate.pk])).status_code == 404
    assert client.get(reverse("attachment_download", args=[case.reference, certificate.pk])).status_code == 404
    response = _post(client, case, PDF, name="another.pdf", kind=AttachmentKind.MEDICAL_CERTIFICATE)
    assert response.status_code == 403  # she may write to the case, not to its health section
    assert Attachment.objects.count() == 2


def test_a_partner_sees_a_referred_case_only_while_the_consent_holds(client_of, ana, partner, partner_user, active_case):
    consent_record(actor=ana, case=active_case, purpose="referral", given=True)
    referral_send(actor=ana, case=active_case, organisation=partner, reason="AdditionalServicesRequired")
    photo = attached(active_case, ana)
    certificate = attached(active_case, ana, kind=AttachmentKind.MEDICAL_CERTIFICATE, data=PDF)
    client = client_of(partner_user)
    preview = reverse("attachment_preview", args=[active_case.reference, photo.pk])
    assert client.get(preview).status_code == 200
    assert client.get(reverse("attachment_preview", args=[active_case.reference, certificate.pk])).status_code == 404
    consent_record(actor=ana, case=active_case, purpose="referral", given=False)
    assert client.get(preview).status_code == 404
    assert client.get(reverse("case_attachments", args=[active_case.reference])).status_code == 404


def test_a_file_about_a_service_must_be_one_of_the_cases_services(ana, case, open_case):
    from django.core.exceptions import ValidationError

    from pristan.assistance.services import service_add

    other = open_case(given_name="Петя")
    foreign = service_add(actor=ana, case=other, data={"kind": "accommodation"})
    with pytest.raises(ValidationError) as refused:
        attached(case, ana, subject=AttachmentSubject.SERVICE, service=foreign)
    assert "service" in refused.value.message_dict
    with pytest.raises(ValidationError):
        attached(case, ana, subject=AttachmentSubject.SERVICE)
    medical = service_add(actor=ana, case=case, data={"kind": "medical"})
    on_medical = attached(case, ana, subject=AttachmentSubject.SERVICE, service=medical, kind=AttachmentKind.OTHER)
    from pristan.core import access
    from pristan.core.sections import Section

    assert access.sections_of(on_medical) == {Section.SUMMARY, Section.ASSISTANCE, Section.HEALTH}


def test_erasure_destroys_the_key_and_deletes_the_files(client_of, ana, boris, case, django_capture_on_commit_callbacks):
    attachment = attached(case, ana)
    path = services.attachment_path(attachment)
    with django_capture_on_commit_callbacks(execute=True):
        person_erase(actor=boris, person=case.person, reason="The person asked for it.")
    assert not path.exists()
    assert not DataKey.objects.filter(id=case.person.key_id).exists()
    attachment.refresh_from_db()
    assert attachment.name == ""
    assert client_of(boris).get(reverse("attachment_preview", args=[case.reference, attachment.pk])).status_code == 404


def test_deleting_an_attachment_deletes_its_file_and_is_audited(client_of, ana, case, django_capture_on_commit_callbacks):
    attachment = attached(case, ana)
    path = services.attachment_path(attachment)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(ana).post(reverse("attachment_delete", args=[case.reference, attachment.pk]))
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert not path.exists()
    assert AuditEntry.objects.filter(action="delete", object_type="attachments.attachment", object_id=str(attachment.pk)).exists()


def test_the_sweep_deletes_only_old_files_no_attachment_holds(ana, case, settings):
    import os
    from datetime import timedelta

    from django.utils import timezone

    kept = attached(case, ana)
    orphan = services.sealed_upload_of(case=case, name="lost.png", data=png())  # never adopted: its request died
    fresh = services.sealed_upload_of(case=case, name="arriving.png", data=png())
    old = (timezone.now() - services.ORPHANED_AFTER - timedelta(minutes=1)).timestamp()
    for path in (services.attachment_path(kept), orphan.path):
        os.utime(path, (old, old))
    assert services.attachments_sweep(dry_run=True) == 1
    assert orphan.path.exists()
    assert services.attachments_sweep() == 1
    assert not orphan.path.exists()
    assert services.attachment_path(kept).exists()
    assert fresh.path.exists()  # perhaps still arriving
    assert DataKey.objects.filter(id=case.person.key_id).exists()  # the person's key: never destroyed by a sweep


def test_the_type_is_the_contents_not_the_browsers(client_of, ana, case):
    response = _post(client_of(ana), case, PDF, name="scan.png")  # sent as image/png, named .png
    assert response.status_code == 302
    assert Attachment.objects.get(case=case).content_type == "application/pdf"


def test_a_heic_photo_is_downloaded_never_previewed(client_of, ana, case):
    from pristan.attachments.tests.test_content import HEIC_START

    photo = attached(case, ana, data=HEIC_START + bytes(100), name="IMG_0001.HEIC")
    assert photo.content_type == "image/heic"
    client = client_of(ana)
    response = client.get(reverse("attachment_preview", args=[case.reference, photo.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    page = client.get(reverse("case_attachments", args=[case.reference]) + f"?show={photo.pk}")
    assert 'id="preview"' not in page.content.decode()
    assert reverse("attachment_preview", args=[case.reference, photo.pk]) not in page.content.decode()

"""A case's attachments: the list and the upload form (a tab of the case), a file's preview and
download (each audited), its deletion. The upload is sealed before this view runs, under the
person's key, and only for a user who may write to the case (`_upload_target`)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pristan.attachments import content, services
from pristan.attachments.forms import AttachmentForm
from pristan.attachments.models import Attachment
from pristan.cases.models import Case
from pristan.cases.pages import render_case
from pristan.core import access
from pristan.core.forms import show_errors
from pristan.core.http import AuthenticatedRequest, client_ip
from pristan.core.policy import Section
from pristan.interchange.uploads import SealedUpload, UploadTarget, refusal_of, seals_uploads_into
from pristan.movements.models import Movement

# An image (and a download) is served in a document that cannot run anything: no script, no form, no
# navigation, nothing fetched. Nothing is ever kept by the browser or a proxy (Cache-Control).
PREVIEW_POLICY = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
# Chromium refuses to start its PDF viewer in a sandboxed document ("This page has been blocked"),
# and the viewer's own page needs its styles and scripts. A PDF is served as application/pdf only
# when its bytes are one (content.py) and never sniffed as anything else, so no HTML of it can run in
# Pristan's origin; the viewer runs the PDF apart from the page. Only who may frame it is limited.
PDF_PREVIEW_POLICY = "frame-ancestors 'self'"


def _upload_target(request: HttpRequest) -> UploadTarget | None:
    """Where this request's file is sealed: under the case's person's key, if the user may write to
    the case (else nowhere: its bytes are read past, and the view refuses the request)."""
    match = request.resolver_match
    reference = str(match.kwargs.get("reference", "")) if match else ""
    try:
        case = access.case_for(request.user, reference, section=Section.SUMMARY, write=True)
    except (Http404, PermissionDenied):
        return None
    return services.upload_target(case) if case.person.erased_at is None else None


def _form(request: AuthenticatedRequest, case: Case) -> AttachmentForm:
    services_of_case = access.visible_in_sections(request.user, case, case.services.all())
    movements = Movement.objects.filter(travellers__case=case).distinct().order_by("-requested_at")
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    if not access.sees_section(request.user, case, Section.MOVEMENT):
        movements = movements.none()
    return AttachmentForm(*data, services=services_of_case, movements=movements)


@seals_uploads_into(_upload_target)
def case_attachments(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    writing = request.method == "POST"
    case = access.case_for(request.user, reference, section=Section.SUMMARY, write=writing)
    form = _form(request, case)
    status = 200
    if writing:
        if refusal := refusal_of(request):
            form.add_error("file", refusal.message)
            status = refusal.status
        elif form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            if not isinstance(upload, SealedUpload):  # not sealed by the handler: never kept
                raise PermissionDenied
            try:
                attachment = services.attachment_add(
                    actor=request.user, case=case, upload=upload, kind=data["kind"], subject=data["subject"],
                    service=data["service"], movement=data["movement"], description=data["description"],
                )  # fmt: skip
            except ValidationError as error:
                show_errors(form, error)
            else:
                messages.success(request, _("%(kind)s attached.") % {"kind": attachment.get_kind_display()})
                return redirect("case_attachments", reference=case.reference)
        if not form.is_valid() and status == 200:
            status = 422
    attachments = list(
        access.visible_in_sections(
            request.user, case, case.attachments.select_related("case__person", "service", "movement", "uploaded_by")
        )
    )
    shown = next((each for each in attachments if str(each.pk) == request.GET.get("show") and _drawn(each)), None)
    context = {"form": form, "attachments": attachments, "shown": shown}
    return render_case(request, case, "attachments/list.html", "case_attachments", context, status=status)


def _drawn(attachment: Attachment) -> bool:
    """Whether the page shows the file as an image (a PDF opens in its own tab, a HEIC is downloaded)."""
    kind = content.BY_TYPE.get(attachment.content_type)
    return kind is not None and kind.previewed and kind is not content.PDF


def _attachment(request: AuthenticatedRequest, reference: str, attachment_id: int, *, write: bool = False) -> Attachment:
    case = access.case_for(request.user, reference, section=Section.SUMMARY)
    attachment = access.case_object_for(request.user, Attachment, attachment_id, write=write)
    if attachment.case_id != case.pk:
        raise Http404
    return attachment


def _serve(request: AuthenticatedRequest, reference: str, attachment_id: int, *, inline: bool) -> HttpResponseBase:
    attachment = _attachment(request, reference, attachment_id)
    kind = content.BY_TYPE.get(attachment.content_type)
    inline = inline and kind is not None and kind.previewed  # a HEIC photo is downloaded, never drawn
    try:
        stream = services.attachment_open(attachment=attachment)
    except ValidationError:
        raise Http404 from None  # its person was erased: the file is gone
    services.attachment_served(actor=request.user, attachment=attachment, inline=inline, ip=client_ip(request))
    extension = kind.extension if kind else "bin"
    filename = attachment.name or f"{attachment.kind}-{attachment.pk}.{extension}"
    response = FileResponse(stream, as_attachment=not inline, filename=filename, content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    pdf_shown = inline and attachment.content_type == "application/pdf"
    response["Content-Security-Policy"] = PDF_PREVIEW_POLICY if pdf_shown else PREVIEW_POLICY
    return response


@require_GET
def attachment_preview(request: AuthenticatedRequest, reference: str, attachment_id: int) -> HttpResponseBase:
    return _serve(request, reference, attachment_id, inline=True)


@require_GET
def attachment_download(request: AuthenticatedRequest, reference: str, attachment_id: int) -> HttpResponseBase:
    return _serve(request, reference, attachment_id, inline=False)


@require_POST
def attachment_delete(request: AuthenticatedRequest, reference: str, attachment_id: int) -> HttpResponse:
    attachment = _attachment(request, reference, attachment_id, write=True)
    services.attachment_delete(actor=request.user, attachment=attachment)
    messages.success(request, _("The file was deleted."))
    return redirect("case_attachments", reference=reference)

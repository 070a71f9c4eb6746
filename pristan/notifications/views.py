"""The reader's notifications: the list, marking read, and whether to be told by e-mail too.
Every notification is its reader's own: anyone else's does not exist (404)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from pristan.core import paging
from pristan.core.forms import show_errors
from pristan.core.http import AuthenticatedRequest
from pristan.notifications import selectors, services
from pristan.notifications.forms import PreferenceForm
from pristan.notifications.models import NotificationPreference


def _page(request: AuthenticatedRequest, form: PreferenceForm | None = None, status: int = 200) -> HttpResponse:
    listed = selectors.notifications_for(user=request.user, number=paging.page_number(request.GET, "page"))
    if listed.unseen_unread:
        # About what the reader may no longer see: not shown, and no longer counted in the menu.
        services.notifications_mark_read(user=request.user, ids=listed.unseen_unread)
    if form is None:
        preference = NotificationPreference.objects.filter(user_id=request.user.pk).first()
        form = PreferenceForm(
            initial={
                "email": preference.email if preference else True,
                "language": preference.language if preference else get_language(),
            }
        )
    context = {
        "rows": listed.rows,
        "page": listed.page,
        "form": form,
        "email_configured": bool(settings.EMAIL_HOST),
        "has_email": bool(request.user.email),
    }
    return render(request, "notifications/list.html", context, status=status)


@require_safe
def notification_list(request: AuthenticatedRequest) -> HttpResponse:
    return _page(request)


@require_POST
def notification_read(request: AuthenticatedRequest) -> HttpResponse:
    try:
        pk = int(request.POST.get("notification", ""))
    except ValueError:
        raise Http404 from None
    notification = selectors.notification_for(user=request.user, pk=pk)
    services.notifications_mark_read(user=request.user, ids=[notification.pk])
    return redirect("notifications")


@require_POST
def notifications_read_all(request: AuthenticatedRequest) -> HttpResponse:
    services.notifications_mark_read(user=request.user)
    messages.success(request, _("Every notification is marked read."))
    return redirect("notifications")


@require_POST
def notification_preferences(request: AuthenticatedRequest) -> HttpResponse:
    form = PreferenceForm(request.POST)
    if form.is_valid():
        try:
            services.notification_preference_save(
                user=request.user, email=form.cleaned_data["email"], language=form.cleaned_data["language"]
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Your choice is saved."))
            return redirect("notifications")
    return _page(request, form=form, status=422)

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pristan.assistance.models import ServiceItem
from pristan.attachments import content
from pristan.attachments.models import AttachmentKind, AttachmentSubject
from pristan.attachments.services import MAX_ATTACHMENT_BYTES
from pristan.interchange.uploads import megabytes
from pristan.movements.models import Movement


class KindChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A service or a movement, named by its kind (in the user's language)."""

    def label_from_instance(self, obj: ServiceItem | Movement) -> str:
        return str(obj.get_kind_display())


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(kind.content_type for kind in content.KINDS)}),
    )
    kind = forms.ChoiceField(label=_("Kind of document"), choices=AttachmentKind.choices)
    subject = forms.ChoiceField(label=_("About"), choices=AttachmentSubject.choices, initial=AttachmentSubject.CASE)
    service = KindChoiceField(label=_("Service"), queryset=ServiceItem.objects.none(), required=False)
    movement = KindChoiceField(label=_("Movement"), queryset=Movement.objects.none(), required=False)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: Any, services: QuerySet[ServiceItem], movements: QuerySet[Movement], **kwargs: Any
    ) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext("A PDF, JPEG, PNG, WebP or HEIC file of at most %(limit)s MB.") % {
            "limit": megabytes(MAX_ATTACHMENT_BYTES)
        }
        service_field, movement_field = self.fields["service"], self.fields["movement"]
        assert isinstance(service_field, KindChoiceField)
        assert isinstance(movement_field, KindChoiceField)
        service_field.queryset = services
        movement_field.queryset = movements

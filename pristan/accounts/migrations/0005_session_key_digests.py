"""Keep only a keyed digest of every session key (see pristan/accounts/sessions.py).

The sessions and the record of whose they are (``UserSession``) held their keys as they are: a
copy of the case database could ride every live session. Each key still in clear (Django's are
32 characters, the digests 40) is replaced by its digest, in batches; the browsers keep their
cookies and stay signed in. Run again, it finds nothing left to do. Going back leaves the digests
(the old store cannot find them): everyone signs in again, and no key comes back in clear.
"""

from typing import Any

from django.db import migrations
from django.db.models.functions import Length

BATCH = 1000


def _digest_keys(model: Any) -> None:
    from pristan.accounts.sessions import DIGEST_LENGTH, stored_session_key

    while True:
        keys = list(
            model.objects.annotate(length=Length("session_key"))
            .exclude(length=DIGEST_LENGTH)
            .values_list("session_key", flat=True)[:BATCH]
        )
        if not keys:
            return
        for key in keys:
            model.objects.filter(session_key=key).update(session_key=stored_session_key(key))


def digest_session_keys(apps: Any, schema_editor: Any) -> None:
    _digest_keys(apps.get_model("sessions", "Session"))
    _digest_keys(apps.get_model("accounts", "UserSession"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_seal_legacy_authenticators"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(digest_session_keys, migrations.RunPython.noop)]

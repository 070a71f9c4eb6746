"""Sessions follow the user: recorded at sign-in, forgotten at sign-out, all ended when the
user is deactivated. A deleted authenticator takes its data key with it."""

from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from pristan.accounts import services
from pristan.accounts.models import Authenticator
from pristan.keystore.services import destroy_data_key


@receiver(user_logged_in, dispatch_uid="pristan.accounts.track_session")
def _track_session(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        services.track_session(request, user)


@receiver(user_logged_out, dispatch_uid="pristan.accounts.forget_session")
def _forget_session(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        services.forget_session(request.session.session_key)


@receiver(post_save, sender=User, dispatch_uid="pristan.accounts.end_sessions_of_inactive")
def _end_sessions_of_inactive(sender: type[User], instance: User, created: bool, **kwargs: Any) -> None:
    if not created and not instance.is_active:
        services.end_all_sessions(instance)


@receiver(post_delete, sender=Authenticator, dispatch_uid="pristan.accounts.destroy_authenticator_key")
def _destroy_authenticator_key(sender: type[Authenticator], instance: Authenticator, **kwargs: Any) -> None:
    """However the device goes (replaced, reset by an administrator, its user deleted), its secret
    stops opening anywhere, backups of the case database included. Once the deletion commits, as
    erasure does: the key store is another database, outside this transaction."""
    if instance.key_id is not None:
        transaction.on_commit(partial(destroy_data_key, instance.key_id), robust=True)

"""Sessions kept in the case database under a keyed digest of their key, never the key itself.

A session key is a bearer credential: whoever holds it is signed in, past the second step. With
Django's own database store, a copy of the case database (or of its backups) taken while people
work lists every live key. Here the table holds only an HMAC-SHA256 of each key (keyed by the
secret key, 160 bits kept in the column's 40 characters): the browser's cookie finds its row,
the row gives no cookie. ``UserSession`` keeps the same digests.
"""

from typing import Any

from django.contrib.sessions.backends import db
from django.core.exceptions import SuspiciousOperation
from django.db import router, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

DIGEST_SALT = "pristan.accounts.session-key"
DIGEST_LENGTH = 40  # the length of django_session.session_key; a Django session key has 32


def stored_session_key(session_key: str) -> str:
    """What the case database keeps for a session key."""
    return salted_hmac(DIGEST_SALT, session_key, algorithm="sha256").hexdigest()[:DIGEST_LENGTH]


class SessionStore(db.SessionStore):
    """Django's database sessions, looked up and stored by the digest of the key."""

    def _get_session_from_db(self) -> Any:
        if self.session_key is None:
            return None
        try:
            return self.model.objects.get(session_key=stored_session_key(self.session_key), expire_date__gt=timezone.now())
        except (self.model.DoesNotExist, SuspiciousOperation):
            self._session_key = None
            return None

    async def _aget_session_from_db(self) -> Any:
        if self.session_key is None:
            return None
        try:
            return await self.model.objects.aget(session_key=stored_session_key(self.session_key), expire_date__gt=timezone.now())
        except (self.model.DoesNotExist, SuspiciousOperation):
            self._session_key = None
            return None

    def exists(self, session_key: str) -> bool:
        return bool(self.model.objects.filter(session_key=stored_session_key(session_key)).exists())

    async def aexists(self, session_key: str) -> bool:
        return bool(await self.model.objects.filter(session_key=stored_session_key(session_key)).aexists())

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        instance = super().create_model_instance(data)
        instance.session_key = stored_session_key(instance.session_key)
        return instance

    async def acreate_model_instance(self, data: dict[str, Any]) -> Any:
        instance = await super().acreate_model_instance(data)
        instance.session_key = stored_session_key(instance.session_key)
        return instance

    def delete(self, session_key: str | None = None) -> None:
        key = session_key if session_key is not None else self.session_key
        if key is not None:
            self.model.objects.filter(session_key=stored_session_key(key)).delete()

    async def adelete(self, session_key: str | None = None) -> None:
        key = session_key if session_key is not None else self.session_key
        if key is not None:
            await self.model.objects.filter(session_key=stored_session_key(key)).adelete()

    @classmethod
    def delete_stored(cls, digests: list[str]) -> None:
        """End the sessions kept under these digests (as ``UserSession`` knows them)."""
        model = cls.get_model_class()
        with transaction.atomic(using=router.db_for_write(model)):
            model.objects.filter(session_key__in=digests).delete()

    @classmethod
    def stored_alive(cls, digests: list[str]) -> set[str]:
        """Which of these digests are sessions not yet ended, in one query."""
        live = cls.get_model_class().objects.filter(session_key__in=digests, expire_date__gt=timezone.now())
        return set(live.values_list("session_key", flat=True))

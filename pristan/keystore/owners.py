"""Records of the case database sealed under a data key of their own (persons, movements,
authenticators): destroying that one key makes every copy of their sealed values unreadable."""

from typing import Any
from uuid import UUID

from pristan.keystore.services import create_data_key


class SealedUnderOwnKey:
    """A mixin of such models, before models.Model: the key is made when the record is first saved,
    and its id is the record's ``key_id`` (a UUIDField each model declares, null until then)."""

    key_id: UUID | None

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.key_id is None:
            self.key_id = create_data_key()
        super().save(*args, **kwargs)  # type: ignore[misc]  # models.Model.save, next in the MRO

    def sealing_key_id(self) -> UUID:
        if self.key_id is None:
            raise ValueError(f"The data key of this {type(self).__name__} is created when it is first saved.")
        return self.key_id

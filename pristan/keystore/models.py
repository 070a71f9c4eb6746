"""The key store: every person's data key, wrapped under a master key.

It lives in a database of its own (the ``keys`` alias, see router.py) so that the case
database and its backups never hold a data key, wrapped or not. Deleting a row here is
erasure: every sealed value of that person, in the database, its backups and any copy,
stops opening once this row and the key store's own (short-lived) backups are gone.
"""

from django.db import models
from django.db.models import Q


class DataKey(models.Model):
    id = models.UUIDField(primary_key=True)
    master_key_id = models.CharField(max_length=64, db_index=True)  # which master key wraps it
    wrapped = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Made for a write not committed yet (the key store is another database, so a key is committed
    # before the rows it seals): confirmed once they are; if the run dies first, `pristan retention`
    # destroys it unless something references it (keystore/provisional.py).
    provisional = models.BooleanField(default=False)

    class Meta:
        db_table = "keystore_datakey"
        indexes = [models.Index(fields=["created_at"], condition=Q(provisional=True), name="keystore_datakey_provisional")]

    def __str__(self) -> str:
        return str(self.id)


class AuditWitness(models.Model):
    """A witness of the case database's audit chain (pristan.core.audit_witness): the head it had,
    recorded here, outside the case database, after the transaction that moved it committed. An
    attacker of the case database alone cannot move these back. Append-only: triggers refuse
    UPDATE and DELETE (and TRUNCATE on PostgreSQL)."""

    class Kind(models.TextChoices):
        HEAD = "head"  # the chain's head after a commit
        RESTORE = "restore"  # a backup was restored: the head it brought back

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.HEAD)
    sequence = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        db_table = "keystore_auditwitness"

    def __str__(self) -> str:
        return f"{self.kind} {self.sequence}"

"""What duplicate finding keeps: keyed match keys (no plaintext), the trained model (m and u
probabilities, no record values), candidate pairs with their reasons, reviewers' decisions, check
requests from registration, and merges with exactly what they moved, so that unmerge restores both."""

from uuid import UUID

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pristan.core.models import Office
from pristan.core.sealed import SealedTextField
from pristan.people.models import Person


class MatchKey(models.Model):
    """One keyed hash a person may be found by as a possible duplicate (a folded name part, a
    one-letter deletion of one, a birth date in either order of day and month, a document number):
    the blocking of the model, read without opening any record."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="match_keys", db_index=False)
    key = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["key", "person"], name="duplicates_matchkey_key"),
            models.Index(fields=["person", "key"], name="duplicates_matchkey_person"),
        ]

    def __str__(self) -> str:
        return str(self.key)


class MatchModel(models.Model):
    """A trained Fellegi–Sunter model (Splink's settings with m and u per comparison level and the
    prior): parameters only, never a value of a record."""

    trained_at = models.DateTimeField(_("trained on"))
    version = models.PositiveIntegerField()  # core.names.MATCH_VERSION it was trained with
    settings_json = models.TextField()
    persons = models.PositiveIntegerField(default=0)
    pairs = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-trained_at"]
        get_latest_by = "trained_at"

    def __str__(self) -> str:
        return f"{self.trained_at:%Y-%m-%d %H:%M}"


class CandidatePair(models.Model):
    class FoundBy(models.TextChoices):
        SCAN = "scan", _("Scan of all records")
        REGISTRATION = "registration", _("Registration")
        IMPORT = "import", _("Import")

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        SAME = "same", _("Same person")
        NOT_SAME = "not_same", _("Not the same person")
        UNSURE = "unsure", _("Unsure")
        MERGED = "merged", _("Merged")
        STALE = "stale", _("No longer proposed")

    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")  # a.id < b.id
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField(_("probability"))
    match_weight = models.FloatField(_("match weight"))
    reasons = models.JSONField(_("reasons"), default=list)  # [{"field": ..., "level": ...}]: codes only
    found_by = models.CharField(_("found by"), max_length=20, choices=FoundBy.choices)
    model = models.ForeignKey(MatchModel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="duplicates_pair_once"),
            models.CheckConstraint(condition=models.Q(person_a__lt=models.F("person_b")), name="duplicates_pair_ordered"),
        ]
        indexes = [
            models.Index(fields=["status", "-probability"], name="duplicates_pair_queue"),
            models.Index(fields=["person_b"], name="duplicates_pair_b"),
        ]

    def __str__(self) -> str:
        return f"{self.person_a_id}–{self.person_b_id}"


class PairDecision(models.Model):
    """A reviewer's decision on a pair: appended, never changed."""

    class Decision(models.TextChoices):
        SAME = "same", _("Same person")
        NOT_SAME = "not_same", _("Not the same person")
        UNSURE = "unsure", _("Unsure")

    pair = models.ForeignKey(CandidatePair, on_delete=models.CASCADE, related_name="decisions")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return self.decision


class CheckRequest(models.Model):
    """A caseworker told at registration that a possible match exists where she cannot see asks
    someone who sees both records to check."""

    pair = models.ForeignKey(CandidatePair, on_delete=models.CASCADE, related_name="check_requests")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")  # where she asked from
    asked_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]

    def __str__(self) -> str:
        return f"{self.pair_id}"


class MergeRecord(models.Model):
    """One merge: who survived, who was merged into her, and what the merge changed, kept so that
    unmerge restores both exactly."""

    class State(models.TextChoices):
        MERGED = "merged", _("Merged")
        UNMERGED = "unmerged", _("Unmerged")

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_received")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_given")
    pair = models.ForeignKey(CandidatePair, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)
    # The survivor's values the merge changed (JSON of field name to value), sealed under her key.
    survivor_before = SealedTextField(blank=True)
    merged_key_id = models.UUIDField(null=True, editable=False)  # the merged person's key, destroyed after the merge
    state = models.CharField(max_length=20, choices=State.choices, default=State.MERGED)
    unmerged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    unmerged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"

    def sealing_key_id(self) -> UUID:
        return self.survivor.sealing_key_id()


class MergeMove(models.Model):
    """A row whose link to a person a merge moved (a case, an identity document, an erasure
    request): unmerge moves back exactly these."""

    merge = models.ForeignKey(MergeRecord, on_delete=models.CASCADE, related_name="moves")
    model = models.CharField(max_length=100)  # app_label.ModelName
    object_id = models.BigIntegerField()
    field = models.CharField(max_length=50)

    def __str__(self) -> str:
        return f"{self.model}:{self.object_id}"

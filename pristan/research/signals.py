"""Stored research counts (models.ResearchCounts) follow what they were counted from: a user's counts
are deleted when their roles change (their research may reach other cases, or none) or they are
deactivated, and everyone's when a person is erased (the counts may include them)."""

from typing import Any

from django.contrib.auth.models import User
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from pristan.core.models import Membership
from pristan.erasure.signals import person_erased
from pristan.research.counts import research_counts_forget
from pristan.research.models import ResearchCounts


@receiver(post_save, sender=Membership, dispatch_uid="pristan.research.counts_after_role_saved")
@receiver(post_delete, sender=Membership, dispatch_uid="pristan.research.counts_after_role_deleted")
def _role_changed(sender: type[Membership], instance: Membership, **kwargs: Any) -> None:
    research_counts_forget(user_id=instance.user_id)


@receiver(m2m_changed, sender=Membership.region_offices.through, dispatch_uid="pristan.research.counts_after_region")
def _region_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action in {"post_add", "post_remove", "post_clear"} and isinstance(instance, Membership):
        research_counts_forget(user_id=instance.user_id)


@receiver(post_save, sender=User, dispatch_uid="pristan.research.counts_of_inactive")
def _deactivated(sender: type[User], instance: User, created: bool, **kwargs: Any) -> None:
    if not created and not instance.is_active:
        research_counts_forget(user_id=instance.pk)


@receiver(person_erased, dispatch_uid="pristan.research.counts_after_erasure")
def _person_erased(sender: Any, **kwargs: Any) -> None:
    ResearchCounts.objects.all().delete()

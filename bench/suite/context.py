"""What every measurement function receives: the database measured and how to act as its users.

A measurement is a function `measure_<what>(context: Context) -> list[Result]`, called in a
process where Django is set up on the benchmark's database (bench/run.py --child measure).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from suite import accounts

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client


@dataclass(frozen=True)
class Context:
    engine: str  # "postgresql" or "sqlite"
    cases: int
    offices: int
    seed: int
    samples: int  # timed repetitions of each measurement (fewer for the slow pages)
    directory: Path  # the database's directory under var/bench (keyring, load-accounts.json)

    @property
    def postgresql(self) -> bool:
        return self.engine == "postgresql"

    def user(self, username: str) -> User:
        from django.contrib.auth.models import User

        return User.objects.get(username=username)

    @property
    def caseworker(self) -> User:
        return self.user(accounts.CASEWORKER)

    @property
    def supervisor(self) -> User:
        return self.user(accounts.SUPERVISOR)

    @property
    def global_reader(self) -> User:
        return self.user(accounts.GLOBAL_READER)

    @property
    def analyst(self) -> User:
        return self.user(accounts.ANALYST)

    def busiest_caseworker(self) -> User:
        """The caseworker with the most open tasks (My cases at its heaviest)."""
        from django.contrib.auth.models import User
        from django.db.models import Count, Q

        from pristan.core.models import Role

        return (
            User.objects.filter(memberships__role=Role.CASEWORKER)
            .annotate(open_tasks=Count("tasks", filter=Q(tasks__done_at__isnull=True), distinct=True))
            .order_by("-open_tasks", "pk")
            .first()
            or self.caseworker
        )

    def client(self, user: User) -> Client:
        """A client signed in as `user` with both steps done, as after password and authenticator code."""
        from django.test import Client
        from django_otp import DEVICE_ID_SESSION_KEY

        from pristan.accounts.models import Authenticator

        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        device = Authenticator.objects.filter(user=user, confirmed=True).first() or Authenticator.objects.create(
            user=user, name="Bench authenticator", confirmed=True
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    def describe(self) -> dict[str, Any]:
        return {"engine": self.engine, "cases": self.cases, "offices": self.offices, "seed": self.seed, "samples": self.samples}

"""The benchmark's own accounts, made once when its database is built (bench/suite/build.py).

* `bench.global`: a supervisor whose reach is every office (the global reader of the lists).
* `bench.load.01` … `bench.load.50`: the load test's users (bench/locustfile.py), one per simulated
  person, caseworkers and supervisors spread over the generated offices. Each signs in as anyone
  does: the demo password, then a code from their authenticator. Their authenticator's key is
  written with their cases' references and some of their people's names to `load-accounts.json`
  in the database's directory (var/bench/…, never committed), which the locustfile reads. One
  account per simulated user, because an authenticator's code is accepted once (django-otp
  refuses a code of a time step already used), and 50 users sign in within seconds.

Every measured account gets a confirmed authenticator too, so that a measuring client can be
signed in with both steps done (as the tests do, conftest.sign_in_verified).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

LOAD_USERS = 50  # the load test's simulated users (bench/run.py --users must not exceed it)
REFERENCES_PER_USER = 40
NAMES_PER_USER = 10
GLOBAL_READER = "bench.global"
# The demo accounts that the measurements sign in as (pristan/demo/accounts.py).
CASEWORKER, SUPERVISOR, ANALYST = "caseworker.sofia", "supervisor.sofia", "analyst.sofia"


def load_username(index: int) -> str:
    return f"bench.load.{index + 1:02d}"


def make_accounts(directory: Path) -> None:
    """In a process where Django is set up on the benchmark's database."""
    from django.contrib.auth.models import User
    from django.db import transaction

    from pristan.accounts.models import Authenticator
    from pristan.cases.models import Case
    from pristan.core.models import Office, Role
    from pristan.core.names import to_latin
    from pristan.demo.accounts import DEMO_PASSWORD
    from pristan.demo.world import ensure_member
    from pristan.keystore.services import key_scope

    rng = random.Random(11)  # noqa: S311 - which cases each simulated user opens, reproducibly
    offices = list(Office.objects.filter(cases__isnull=False).distinct().order_by("code"))
    sofia = Office.objects.get(code="SOF")
    load_accounts = []
    with transaction.atomic(), key_scope():
        ensure_member(sofia, username=GLOBAL_READER, role=Role.SUPERVISOR, scope="global", password=DEMO_PASSWORD,
                      first_name="Bench", last_name="Global")  # fmt: skip
        for index in range(LOAD_USERS):
            office = offices[index % len(offices)]
            role = Role.SUPERVISOR if index % 3 == 2 else Role.CASEWORKER
            # The whole office, as the generator's caseworkers have: a caseworker's usual reach is
            # only their own cases, and these accounts own none.
            user = ensure_member(office, username=load_username(index), role=role, password=DEMO_PASSWORD, scope="office",
                                 first_name="Load", last_name=f"User {index + 1}")  # fmt: skip
            device = Authenticator.objects.create(user=user, name="Load test authenticator", confirmed=True)
            ids = list(Case.objects.filter(office=office).values_list("id", flat=True)[:5000])
            picked = rng.sample(ids, min(REFERENCES_PER_USER, len(ids)))
            cases = list(Case.objects.filter(id__in=picked).select_related("person").order_by("id"))
            load_accounts.append({
                "username": user.username,
                "password": DEMO_PASSWORD,
                "totp_key": device.bin_key.hex(),
                "office": office.code,
                "role": role,
                "references": [case.reference for case in cases],
                "names": [to_latin(case.person.full_name) for case in cases[:NAMES_PER_USER]],
            })  # fmt: skip
        for username in (CASEWORKER, SUPERVISOR, ANALYST, GLOBAL_READER):
            user = User.objects.get(username=username)
            if not Authenticator.objects.filter(user=user, confirmed=True).exists():
                Authenticator.objects.create(user=user, name="Bench authenticator", confirmed=True)
    target = directory / "load-accounts.json"
    target.write_text(json.dumps(load_accounts, indent=1, ensure_ascii=False), encoding="utf-8")
    target.chmod(0o600)

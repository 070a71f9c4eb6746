from django.db import transaction
from django.test import Client
from django.urls import reverse

from pristan.core.tests.test_matrix import MATRIX, PERSONAS, _named_routes, _outcome, world  # noqa: F401


def test_mine(world, client_of):
    users, values = world
    mismatches = []
    for name, arguments in sorted(_named_routes().items()):
        if name not in MATRIX or not ("movement" in name or name in ("traveller_create", "leg_create", "leg_delete", "counselling_create", "fitness_create", "allowance_create")):
            continue
        url = reverse(name, kwargs={argument: values[argument] for argument in arguments})
        for method in ("get", "post"):
            expected = MATRIX[name][method]
            for persona in PERSONAS:
                client = Client() if persona == "anonymous" else client_of(users[persona])
                with transaction.atomic():
                    response = getattr(client, method)(url)
                    transaction.set_rollback(True)
                got = _outcome(response.status_code, response.get("Location", ""))
                want = expected.get(persona, expected["default"])
                if got != want:
                    mismatches.append(f"{method.upper()} {name} as {persona}: expected {want}, got {got} ({response.status_code})")
    assert not mismatches, "\n".join(mismatches)

"""Tokens for the test world's people, made through the real service."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from pristan.api.models import Resource
from pristan.api.tokens import token_create

EVERYTHING = list(Resource.values)


@pytest.fixture
def token_of() -> Callable[..., str]:
    """A live token of the user (read and write on every resource unless told otherwise)."""

    def make(user: User, *, reads: bool = True, writes: bool = True, resources: list[str] | None = None, days: int = 30) -> str:
        _token, secret = token_create(
            actor=user, name="Test integration", reads=reads, writes=writes, resources=resources or EVERYTHING,
            expires_on=timezone.localdate() + timedelta(days=days),
        )  # fmt: skip
        return secret

    return make


@pytest.fixture
def api_as(token_of: Callable[..., str]) -> Callable[..., Client]:
    """A client that sends the user's token with every request (and no session)."""

    def make(user: User, **scope: object) -> Client:
        return Client(headers={"Authorization": f"Bearer {token_of(user, **scope)}"})

    return make

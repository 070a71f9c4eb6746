"""What a token allows on top of what its user may do: reading or changing, and which records.
What the user may see and change is decided by the one access layer (pristan/core/access.py)."""

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from pristan.api.messages import TOKEN_NO_READ, TOKEN_NO_WRITE
from pristan.api.models import AccessToken, Resource


class TokenScope(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, AccessToken):
            return True  # a session: the user's own rights apply
        resource: str = getattr(view, "resource", "")
        if not resource:
            return True  # no records behind it (an unknown address)
        write = request.method not in permissions.SAFE_METHODS and not getattr(view, "reads_by_post", False)
        if token.allows(resource, write=write):
            return True
        label = str(Resource(resource).label).lower() if resource in Resource.values else resource
        self.message = (TOKEN_NO_WRITE if write else TOKEN_NO_READ) % {"resource": label}
        return False

from django.contrib.auth.models import User
from django.http import HttpRequest


class AuthenticatedRequest(HttpRequest):
    """Every page but sign-in requires a signed-in user (LoginRequiredMiddleware), so views may
    rely on `request.user` being a real user."""

    user: User

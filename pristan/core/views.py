from django.http import HttpResponse
from django.shortcuts import redirect

from pristan.core.http import AuthenticatedRequest


def home(request: AuthenticatedRequest) -> HttpResponse:
    return redirect("my_cases")

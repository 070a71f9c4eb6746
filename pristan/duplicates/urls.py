from django.urls import path  # noqa: F401  (the routes are added with the pages)

app_name = "duplicates"

urlpatterns: list = []  # type: ignore[type-arg]

from django.urls import path

from pristan.duplicates import views

app_name = "duplicates"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("matches/", views.possible_matches, name="possible_matches"),
    path("open-case/", views.open_case, name="open_case"),
    path("pairs/<int:pair_id>/", views.pair, name="pair"),
    path("pairs/<int:pair_id>/decide/", views.pair_decide, name="pair_decide"),
    path("pairs/<int:pair_id>/merge/", views.merge, name="merge"),
    path("merges/<int:merge_id>/", views.merged, name="merged"),
    path("merges/<int:merge_id>/unmerge/", views.unmerge, name="unmerge"),
]

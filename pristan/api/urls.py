"""/api/v1/: the REST API, its OpenAPI document and a page to browse it. The API answers with 401
rather than sending to the sign-in page, so its views are exempt from LoginRequiredMiddleware and
require credentials themselves (a token or a verified session)."""

from typing import Any

from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from pristan.api import views


def _open(view: Any) -> Any:
    return login_not_required(view.as_view())


urlpatterns = [
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="api_schema"),
    # The browsable page is for people: it sends those not signed in to the sign-in page.
    path(
        "docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api_schema", template_name="api/swagger_ui.html")),
        name="api_docs",
    ),
    path("cases/", _open(views.CaseList), name="api_cases"),
    path("cases/search/", _open(views.CaseSearch), name="api_case_search"),
    path("cases/<str:reference>/", _open(views.CaseDetail), name="api_case"),
    path("cases/<str:reference>/stage/", _open(views.CaseStage), name="api_case_stage"),
    path("cases/<str:reference>/screenings/", _open(views.ScreeningList), name="api_case_screenings"),
    path("cases/<str:reference>/consents/", _open(views.ConsentList), name="api_case_consents"),
    path("cases/<str:reference>/services/", _open(views.ServiceList), name="api_case_services"),
    path("cases/<str:reference>/referrals/", _open(views.ReferralList), name="api_case_referrals"),
    path("cases/<str:reference>/visits/", _open(views.VisitList), name="api_case_visits"),
    path("persons/", _open(views.PersonList), name="api_persons"),
    path("persons/<int:person_id>/", _open(views.PersonDetail), name="api_person"),
    path("services/<int:service_id>/status/", _open(views.ServiceStatusChange), name="api_service_status"),
    path("referrals/<int:referral_id>/status/", _open(views.ReferralStatusChange), name="api_referral_status"),
    path("movements/", _open(views.MovementList), name="api_movements"),
    path("movements/<int:movement_id>/", _open(views.MovementDetail), name="api_movement"),
    path("movements/<int:movement_id>/stage/", _open(views.MovementStageChange), name="api_movement_stage"),
    path("imports/", _open(views.ImportStart), name="api_imports"),
    path("imports/<uuid:job_id>/", _open(views.ImportDetail), name="api_import"),
    path("exports/", _open(views.ExportList), name="api_exports"),
    re_path(r"^.*$", _open(views.NotFound)),
]

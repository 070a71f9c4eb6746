from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from pristan.accounts import views as accounts
from pristan.assistance import views as assistance
from pristan.cases import views as cases
from pristan.core import views as core
from pristan.experience import views as experience
from pristan.screening import views as screening

case_urls = [
    path("", cases.case_summary, name="case_summary"),
    path("person/", cases.person_edit, name="person_edit"),
    path("person/documents/", cases.document_create, name="document_create"),
    path("referrals/", cases.referrals_update, name="referrals_update"),
    path("stage/", cases.stage_change, name="stage_change"),
    path("consent/", cases.consent, name="case_consent"),
    path("consent/override/", cases.consent_override, name="consent_override"),
    path("screening/", screening.screening, name="case_screening"),
    path("screening/suggestion/", screening.suggestion, name="screening_suggestion"),
    path("experience/", experience.experience, name="case_experience"),
    path("experience/events/", experience.event_create, name="event_create"),
    path("experience/perpetrators/", experience.perpetrator_create, name="perpetrator_create"),
    path("assistance/", assistance.assistance, name="case_assistance"),
    path("assistance/objectives/", assistance.objective_create, name="objective_create"),
    path("assistance/services/", assistance.service_create, name="service_create"),
    path("notes/", cases.notes, name="case_notes"),
    path("notes/add/", cases.note_create, name="note_create"),
    path("tasks/add/", cases.task_create, name="task_create"),
    path("history/", cases.history, name="case_history"),
]

urlpatterns = [
    path("", core.home, name="home"),
    path("accounts/login/", accounts.SignInView.as_view(), name="login"),
    path("accounts/logout/", accounts.SignOutView.as_view(), name="logout"),
    path("accounts/two-step/", accounts.mfa_verify, name="mfa_verify"),
    path("accounts/two-step/set-up/", accounts.mfa_enrol, name="mfa_enrol"),
    path("accounts/two-step/recovery-codes/", accounts.mfa_recovery_codes, name="mfa_recovery_codes"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/mine/", cases.my_cases, name="my_cases"),
    path("cases/register/", cases.register, name="register"),
    path("cases/<str:reference>/", include(case_urls)),
    path("tasks/<int:task_id>/done/", cases.task_done, name="task_done"),
    path("services/<int:service_id>/status/", assistance.service_status, name="service_status"),
    path("audit/", core.audit_trail, name="audit_trail"),
]

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from pristan.accounts import views as accounts
from pristan.api import pages as api_tokens
from pristan.assistance import views as assistance
from pristan.attachments import views as attachments
from pristan.cases import views as cases
from pristan.core import health
from pristan.core import views as core
from pristan.erasure import views as erasure
from pristan.experience import views as experience
from pristan.exports import views as exports
from pristan.interchange import views as interchange
from pristan.movements import views as movements
from pristan.overview import views as overview
from pristan.referrals import views as referrals
from pristan.reintegration import views as reintegration
from pristan.research import views as research
from pristan.screening import views as screening
from pristan.start import views as start

case_urls = [
    path("", cases.case_summary, name="case_summary"),
    path("person/", cases.person_edit, name="person_edit"),
    path("person/documents/", cases.document_create, name="document_create"),
    path("referrals/", referrals.case_referrals, name="case_referrals"),
    path("referrals/new/", referrals.referral_create, name="referral_create"),
    path("referrals/incoming/", referrals.referral_incoming_create, name="referral_incoming_create"),
    path("transfers/new/", referrals.transfer_create, name="transfer_create"),
    path("stage/", cases.stage_change, name="stage_change"),
    path("assign/", cases.case_assign, name="case_assign"),
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
    path("print/", cases.case_print, name="case_print"),
    path("flags/", cases.flag_create, name="flag_create"),
    path("flags/remove/", cases.flag_remove, name="flag_remove"),
    path("attachments/", attachments.case_attachments, name="case_attachments"),
    path("attachments/<int:attachment_id>/preview/", attachments.attachment_preview, name="attachment_preview"),
    path("attachments/<int:attachment_id>/download/", attachments.attachment_download, name="attachment_download"),
    path("attachments/<int:attachment_id>/delete/", attachments.attachment_delete, name="attachment_delete"),
    path("reintegration/", reintegration.reintegration, name="case_reintegration"),
    path("reintegration/plan/", reintegration.plan_save, name="reintegration_plan_save"),
    path("reintegration/assistance/", reintegration.item_create, name="reintegration_item_create"),
    path("reintegration/assistance/status/", reintegration.item_status, name="reintegration_item_status"),
    path("reintegration/payments/", reintegration.payment_create, name="reintegration_payment_create"),
    path("reintegration/visits/", reintegration.visit_record, name="reintegration_visit_record"),
    path("reintegration/visits/not-possible/", reintegration.visit_not_possible, name="reintegration_visit_not_possible"),
    path("reintegration/events/", reintegration.event_create, name="reintegration_event_create"),
    path("reintegration/closure-override/", reintegration.closure_override, name="reintegration_closure_override"),
    path("movement/", movements.case_movement, name="case_movement"),
    path("movement/details/", movements.movement_details, name="movement_details"),
    path("movement/stage/", movements.movement_stage, name="movement_stage"),
    path("movement/travellers/", movements.traveller_create, name="traveller_create"),
    path("movement/legs/", movements.leg_create, name="leg_create"),
    path("movement/legs/remove/", movements.leg_delete, name="leg_delete"),
    path("movement/counselling/", movements.counselling_create, name="counselling_create"),
    path("movement/documents/", movements.document_create, name="movement_document_create"),
    path("movement/documents/status/", movements.document_status, name="movement_document_status"),
    path("movement/fitness/", movements.fitness_create, name="fitness_create"),
    path("movement/allowances/", movements.allowance_create, name="allowance_create"),
    path("erasure/", erasure.erasure_request, name="erasure_request"),
]

urlpatterns = [
    path("", start.home, name="home"),
    path("accounts/login/", accounts.SignInView.as_view(), name="login"),
    path("accounts/logout/", accounts.SignOutView.as_view(), name="logout"),
    path("accounts/two-step/", accounts.mfa_verify, name="mfa_verify"),
    path("accounts/two-step/set-up/", accounts.mfa_enrol, name="mfa_enrol"),
    path("accounts/two-step/recovery-codes/", accounts.mfa_recovery_codes, name="mfa_recovery_codes"),
    path("accounts/confirm/", accounts.reauthenticate, name="reauthenticate"),
    path("accounts/password/", accounts.password_change, name="password_change"),
    path("welcome/<str:secret>/", accounts.welcome, name="welcome"),
    path("accounts/api-tokens/", api_tokens.api_tokens, name="api_tokens"),
    path("accounts/api-tokens/new/", api_tokens.api_token_create, name="api_token_create"),
    path("accounts/api-tokens/revoke/", api_tokens.api_token_revoke, name="api_token_revoke"),
    path("api/v1/", include("pristan.api.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/mine/", cases.my_cases, name="my_cases"),
    path("cases/bulk/", cases.case_bulk, name="case_bulk"),
    path("cases/register/", cases.register, name="register"),
    path("cases/<str:reference>/", include(case_urls)),
    path("tasks/<int:task_id>/done/", cases.task_done, name="task_done"),
    path("services/<int:service_id>/status/", assistance.service_status, name="service_status"),
    path("audit/", core.audit_trail, name="audit_trail"),
    path("movements/", movements.movement_board, name="movement_board"),
    path("movements/manifest/", movements.movement_manifest, name="movement_manifest"),
    path("referrals/", referrals.referral_inbox, name="referral_inbox"),
    path("referrals/<int:referral_id>/status/", referrals.referral_status, name="referral_status"),
    path("transfers/<int:transfer_id>/decide/", referrals.transfer_decide, name="transfer_decide"),
    path("transfers/<int:transfer_id>/cancel/", referrals.transfer_cancel, name="transfer_cancel"),
    path("partners/", referrals.partner_directory, name="partner_directory"),
    path("overview/", overview.supervisor_overview, name="supervisor_overview"),
    path("exports/", exports.export_list, name="export_list"),
    path("exports/new/", exports.export_create, name="export_create"),
    path("exports/jobs/<uuid:export_job_id>/", exports.export_job, name="export_job"),
    path("exports/jobs/<uuid:export_job_id>/download/", exports.export_job_download, name="export_job_download"),
    path("imports/", interchange.import_start, name="import_start"),
    path("imports/<uuid:job_id>/", interchange.import_job, name="import_job"),
    path("imports/<uuid:job_id>/progress/", interchange.import_progress, name="import_progress"),
    path("research/", research.research_export, name="research_export"),
    path("research/preview/", research.research_preview, name="research_preview"),
    path("research/count/", research.research_count, name="research_count"),
    path("notifications/", include("pristan.notifications.urls")),
    path("erasure/", erasure.erasure_list, name="erasure_list"),
    path("erasure/retention/", erasure.retention_settings, name="retention_settings"),
    path("erasure/<str:reference>/", erasure.erasure_decide, name="erasure_decide"),
    path("duplicates/", include("pristan.duplicates.urls")),
    path("health/", health.health, name="health"),
    path("admin-area/", include("pristan.administration.urls")),
]

"""The reintegration pages of a case, under /cases/<reference>/reintegration/. Objects of the case
(a visit, an item, an event) are chosen in the form, from what the reader may see of that case."""

from django.urls import path

from pristan.reintegration import views

urlpatterns = [
    path("", views.reintegration, name="case_reintegration"),
    path("plan/", views.plan_save, name="reintegration_plan_save"),
    path("assistance/", views.item_create, name="reintegration_item_create"),
    path("assistance/status/", views.item_status, name="reintegration_item_status"),
    path("payments/", views.payment_create, name="reintegration_payment_create"),
    path("visits/", views.visit_record, name="reintegration_visit_record"),
    path("visits/not-possible/", views.visit_not_possible, name="reintegration_visit_not_possible"),
    path("events/", views.event_create, name="reintegration_event_create"),
    path("closure-override/", views.closure_override, name="reintegration_closure_override"),
]

from django.urls import path

from pristan.administration import views

urlpatterns = [
    path("", views.people, name="admin_people"),
    path("people/new/", views.person_add, name="admin_person_add"),
    path("people/<int:user_id>/", views.person, name="admin_person"),
    path("people/<int:user_id>/grant/", views.person_grant, name="admin_person_grant"),
    path("people/<int:user_id>/revoke/", views.person_revoke, name="admin_person_revoke"),
    path("people/<int:user_id>/active/", views.person_active, name="admin_person_active"),
    path("people/<int:user_id>/second-step/", views.person_second_step_reset, name="admin_person_second_step_reset"),
    path("people/<int:user_id>/sign-in-link/", views.person_sign_in_link, name="admin_person_sign_in_link"),
    path("offices/", views.offices, name="admin_offices"),
    path("partners/", views.partners, name="admin_partners"),
    path("partners/<int:organisation_id>/", views.partner, name="admin_partner"),
]

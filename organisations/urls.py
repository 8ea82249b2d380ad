from django.urls import path

from .views import organisations as views

app_name = "organisations"

PERSON = "<uuid:code>/people/<int:membership_id>/"

urlpatterns = [
    path("switch/", views.switch_organisation, name="switch"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("<uuid:code>/", views.organisation_detail, name="detail"),
    path("<uuid:code>/people/", views.people, name="people"),
    path("<uuid:code>/people/invite/", views.invite, name="invite"),
    path("<uuid:code>/people/offers/", views.membership_offers, name="membership_offers"),
    path(
        "<uuid:code>/people/invitations/<int:invitation_id>/cancel/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(PERSON + "role/", views.member_role, name="member_role"),
    path(PERSON + "remove/", views.member_deactivate, name="member_deactivate"),
]

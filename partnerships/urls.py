from django.urls import path

from .views import partnerships as views

app_name = "partnerships"
urlpatterns = [
    path("new/", views.partnership_create, name="create"),
    path("<uuid:code>/", views.partnership_detail, name="detail"),
    path("<uuid:code>/edit/", views.partnership_edit, name="edit"),
    path("<uuid:code>/partners/", views.participant_list, name="participants"),
    path(
        "<uuid:code>/partners/<uuid:participant_code>/remove/",
        views.participant_remove,
        name="participant_remove",
    ),
]

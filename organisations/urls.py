from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("<uuid:code>/", views.organisation_detail, name="detail"),
]

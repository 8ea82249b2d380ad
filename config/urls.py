from django.contrib import admin
from django.urls import include, path

from partnerships.views import partnerships as partnership_views

from . import health, pages

urlpatterns = [
    path("", partnership_views.dashboard, name="dashboard"),
    path("healthz", health.healthz, name="healthz"),
    path("accessibility/", pages.accessibility, name="accessibility"),
    path("accounts/", include("organisations.auth_urls")),
    path("organisations/", include("organisations.urls")),
    path("partnerships/", include("partnerships.urls")),
    path("", include("api.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "organisations.views.organisations.permission_denied"

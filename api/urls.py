from django.urls import path

from . import views, views_tokens

app_name = "api"

urlpatterns = [
    path("api/v1/organisations", views.organisation_list, name="organisation_list"),
    path("api/v1/organisations/<str:code>", views.organisation_detail, name="organisation_detail"),
    path("api/v1/partnerships", views.partnership_list, name="partnership_list"),
    path("api/v1/partnerships/<str:code>", views.partnership_detail, name="partnership_detail"),
    path("api/v1/reviews", views.review_list, name="review_list"),
    path("api/v1/reviews/<str:code>", views.review_detail, name="review_detail"),
    path("api/v1/actions", views.action_list, name="action_list"),
    path("api/v1/actions/<str:code>", views.action_detail, name="action_detail"),
    path("api/v1/reports/summary", views.report_summary, name="report_summary"),
    path("api/v1/schema", views.schema, name="schema"),
    path("api/v1/docs", views.docs, name="docs"),
    path("accounts/profile/api-tokens/", views_tokens.token_create, name="token_create"),
    path(
        "accounts/profile/api-tokens/<uuid:code>/revoke/",
        views_tokens.token_revoke,
        name="token_revoke",
    ),
]

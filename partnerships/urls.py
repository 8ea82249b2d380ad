from django.urls import path

from .views import actions, assessments, concerns, partnerships, reports, reviews, successions

app_name = "partnerships"

REVIEW = "<uuid:code>/reviews/<uuid:review_code>/"
ASSESSMENT = REVIEW + "assessments/<uuid:assessment_code>/"
ACTION = "<uuid:code>/actions/<uuid:action_code>/"
CONCERN = "<uuid:code>/concerns/<uuid:concern_code>/"

urlpatterns = [
    path("new/", partnerships.partnership_create, name="create"),
    path("<uuid:code>/", partnerships.partnership_detail, name="detail"),
    path("<uuid:code>/edit/", partnerships.partnership_edit, name="edit"),
    path("<uuid:code>/partners/", partnerships.participant_list, name="participants"),
    path(
        "<uuid:code>/partners/search/",
        partnerships.organisation_search,
        name="organisation_search",
    ),
    path(
        "<uuid:code>/partners/new-organisation/",
        partnerships.partner_organisation_add,
        name="partner_organisation_add",
    ),
    path(
        "<uuid:code>/partners/<uuid:participant_code>/invite/",
        partnerships.participant_invite,
        name="participant_invite",
    ),
    path(
        "<uuid:code>/partners/<uuid:participant_code>/remove/",
        partnerships.participant_remove,
        name="participant_remove",
    ),
    # Reviews: opened, health-checked and closed by the lead commissioner.
    path("<uuid:code>/reviews/new/", reviews.review_open, name="review_open"),
    path(REVIEW, reviews.review_detail, name="review_detail"),
    path(REVIEW + "health-check/", reviews.health_check, name="health_check"),
    path(REVIEW + "close/", reviews.review_close, name="review_close"),
    path(REVIEW + "results/", reviews.review_results, name="review_results"),
    path(REVIEW + "replies/<uuid:organisation_code>/", reviews.review_reply, name="review_reply"),
    # One organisation's self-assessment within a review.
    path(ASSESSMENT, assessments.task_list, name="assessment"),
    path(
        ASSESSMENT + "principles/<int:number>/",
        assessments.principle_page,
        name="assessment_principle",
    ),
    path(ASSESSMENT + "check/", assessments.check_answers, name="assessment_check"),
    path(ASSESSMENT + "submit/", assessments.submit, name="assessment_submit"),
    # Actions agreed by the partners.
    path("<uuid:code>/actions/", actions.action_list, name="action_list"),
    path("<uuid:code>/actions/new/", actions.action_create, name="action_create"),
    path(ACTION + "edit/", actions.action_edit, name="action_edit"),
    path(ACTION + "done/", actions.action_done, name="action_done"),
    # Concerns between reviews: raised by a partner, answered by the lead commissioner.
    path("<uuid:code>/concerns/", concerns.concern_list, name="concern_list"),
    path("<uuid:code>/concerns/new/", concerns.concern_create, name="concern_create"),
    path(CONCERN, concerns.concern_detail, name="concern_detail"),
    path(CONCERN + "acknowledge/", concerns.concern_acknowledge, name="concern_acknowledge"),
    path(CONCERN + "respond/", concerns.concern_respond, name="concern_respond"),
    path(CONCERN + "close/", concerns.concern_close, name="concern_close"),
    path(CONCERN + "withdraw/", concerns.concern_withdraw, name="concern_withdraw"),
    # Reports and exports of the partnerships a person can see; filters in the query string.
    path("reports/", reports.reports_page, name="reports"),
    path("reports/downloads/", reports.report_downloads, name="report_downloads"),
    path("reports/csv/<slug:kind>/", reports.report_csv, name="report_csv"),
    path("reports/workbook/", reports.report_xlsx, name="report_xlsx"),
    path("reports/workbook/<uuid:export_id>/", reports.report_export, name="report_export"),
    path("reports/summary/", reports.report_pdf, name="report_pdf"),
    path("reports/<uuid:code>/", reports.partnership_report, name="partnership_report"),
    path("reports/<uuid:code>/pdf/", reports.partnership_pdf, name="partnership_pdf"),
    # Successions: recorded and assigned by platform admins; a successor's handover pack.
    path("successions/", successions.successions_list, name="successions"),
    path(
        "successions/record/<uuid:code>/", successions.succession_record, name="succession_record"
    ),
    path(
        "successions/<uuid:code>/accept-offers/",
        successions.offers_accept_all,
        name="offers_accept_all",
    ),
    path(
        "successions/transfers/<uuid:transfer_code>/",
        successions.transfer_assign,
        name="transfer_assign",
    ),
    path("handover/<uuid:code>/", successions.handover_page, name="handover"),
    path("handover/<uuid:code>/pdf/", successions.handover_pdf, name="handover_pdf"),
    path("handover/<uuid:code>/csv/", successions.handover_csv, name="handover_csv"),
]

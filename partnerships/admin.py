from django.contrib import admin

from config.admin import ReadOnlyAdmin

from .models import (
    Action,
    Assessment,
    Concern,
    HealthCheck,
    HealthCheckEntry,
    Participant,
    Partnership,
    Rating,
    Reminder,
    Review,
)
from .services import reminders


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    autocomplete_fields = ["organisation", "lead_contact"]


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "icb", "next_review_due", "framework"]
    list_filter = ["kind", "framework", "icb__region"]
    search_fields = [
        "name",
        "service_area",
        "contract_reference",
        "participants__organisation__name",
    ]
    autocomplete_fields = ["icb"]
    readonly_fields = ["code", "created_by", "created_at"]
    list_select_related = ["icb", "framework"]
    inlines = [ParticipantInline]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["partnership", "opened_on", "due_on", "state", "overall_rag", "closed_on"]
    list_filter = ["state", "overall_rag"]
    search_fields = ["partnership__name"]
    date_hierarchy = "opened_on"
    list_select_related = ["partnership"]
    # The lead chooses who sees the answers when opening; respondents were told it.
    readonly_fields = ["code", "visibility"]


class RatingInline(admin.TabularInline):
    model = Rating
    extra = 0
    raw_id_fields = ["statement"]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["organisation", "review", "state", "submitted_at"]
    list_filter = ["state"]
    search_fields = ["organisation__name", "review__partnership__name"]
    list_select_related = ["organisation", "review__partnership"]
    readonly_fields = ["code", "version"]
    inlines = [RatingInline]


class HealthCheckEntryInline(admin.TabularInline):
    model = HealthCheckEntry
    extra = 0


@admin.register(HealthCheck)
class HealthCheckAdmin(admin.ModelAdmin):
    list_display = ["review", "serious_concern", "updated_at"]
    list_filter = ["serious_concern"]
    search_fields = ["review__partnership__name"]
    inlines = [HealthCheckEntryInline]


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["description", "partnership", "owner_organisation", "due_on", "status"]
    list_filter = ["status", "principle"]
    search_fields = ["description", "partnership__name", "owner_organisation__name"]
    autocomplete_fields = ["owner_organisation", "owner"]
    list_select_related = ["partnership", "owner_organisation"]
    readonly_fields = ["code", "created_by", "created_at"]


@admin.register(Concern)
class ConcernAdmin(ReadOnlyAdmin):
    """Read only: every step of a concern goes through its service, audited and emailed."""

    list_display = ["partnership", "organisation", "principle", "state", "raised_at", "respond_by"]
    list_filter = ["state", "visibility", "principle"]
    search_fields = ["partnership__name", "organisation__name"]
    list_select_related = ["partnership", "organisation", "principle"]


REMINDERS_PAGE_SIZE = 50


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    """The reminder log: read-only, but a person decides what happens to a failed reminder
    (send it again) and an uncertain one, which may have arrived (mark it sent, or send it
    again)."""

    list_display = [
        "kind",
        "recipient",
        "partnership",
        "period_key",
        "state",
        "attempts",
        "created_at",
        "sent_at",
    ]
    # The log grows by every reminder of every partnership: no filter lists partnerships (at
    # national scale that list alone is thousands of links; search by name instead, or follow
    # a link with ?partnership__id__exact=), the page is 50 rows, and the total of the whole
    # log is not counted on every page.
    list_filter = ["kind", "state"]
    search_fields = ["recipient__email", "partnership__name", "period_key"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient", "partnership"]
    list_per_page = REMINDERS_PAGE_SIZE
    show_full_result_count = False
    actions = ["resend", "mark_sent"]
    fields = [
        "kind",
        "state",
        "recipient",
        "partnership",
        "review",
        "assessment",
        "action",
        "period_key",
        "attempts",
        "last_error",
        "cancelled_because",
        "created_at",
        "claimed_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.action(description="Send the selected failed or uncertain reminders again")
    def resend(self, request, queryset):
        count = reminders.reminders_resend(reminders=queryset, by=request.user)
        self._report(request, queryset, count, "queued to send again", "failed or uncertain")

    @admin.action(description="Mark the selected uncertain reminders as sent")
    def mark_sent(self, request, queryset):
        count = reminders.reminders_mark_sent(reminders=queryset, by=request.user)
        self._report(request, queryset, count, "marked sent", "uncertain")

    def _report(self, request, queryset, count, done, which):
        skipped = queryset.count() - count
        message = f"{count} {which} reminder{'' if count == 1 else 's'} {done}."
        if skipped:
            message += f" {skipped} not {which}, so left as they were."
        self.message_user(request, message)

from django.contrib import admin

from .models import (
    Action,
    Assessment,
    HealthCheck,
    HealthCheckEntry,
    Participant,
    Partnership,
    Rating,
    Review,
)


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
    readonly_fields = ["code"]


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

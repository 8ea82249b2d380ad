import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from config.admin import ReadOnlyAdmin

from . import services
from .audit import audit, changes_between
from .models import (
    AuditEvent,
    Membership,
    MembershipOffer,
    Organisation,
    OrganisationIdentifier,
    Succession,
    User,
)

MEMBERSHIP_FIELDS = ["user", "organisation", "role"]


def _membership_values(pks) -> dict[int, dict]:
    rows = Membership.objects.filter(pk__in=[pk for pk in pks if pk]).values(
        "pk", *MEMBERSHIP_FIELDS
    )
    return {row.pop("pk"): row for row in rows}


def _audit_membership(by, membership: Membership, before: dict | None, *, removed=False):
    """Records a membership added, changed or removed through the admin."""
    after = {
        "user": membership.user_id,
        "organisation": membership.organisation_id,
        "role": membership.role,
    }
    if removed:
        action, changes = "membership.removed", {"role": [membership.role, None]}
    elif before is None:
        action, changes = "membership.added", {"role": [None, membership.role]}
    else:
        action, changes = "membership.changed", changes_between(before, after)
    if changes:
        audit(by, action, membership.user, organisation=membership.organisation, changes=changes)
        services.user_roles_changed(user=membership.user)


class MembershipFormsetAuditMixin:
    """Audits the changes made through the membership inline of a user or organisation."""

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        before = _membership_values(f.instance.pk for f in formset.initial_forms)
        super().save_formset(request, form, formset, change)
        for membership in formset.new_objects:
            _audit_membership(request.user, membership, None)
        for membership, _ in formset.changed_objects:
            _audit_membership(request.user, membership, before.get(membership.pk))
        for membership in formset.deleted_objects:
            _audit_membership(request.user, membership, None, removed=True)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "organisation"]


@admin.register(User)
class UserAdmin(MembershipFormsetAuditMixin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]
    actions = ["export_personal_data", "erase_personal_data"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Names only: a password field's value never reaches the trail.
        changed = sorted(name for name in form.changed_data if "password" not in name)
        if changed or not change:
            audit(
                request.user,
                "user.changed" if change else "user.created",
                obj,
                changes={"fields": changed},
            )

    @admin.action(description="Export everything held about the person (JSON)")
    def export_personal_data(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select one person to export.", messages.ERROR)
            return None
        person = queryset.get()
        data = services.person_export(person=person, by=request.user)
        response = HttpResponse(
            json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        filename = f"person-{person.pk}-{timezone.localdate():%Y-%m-%d}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @admin.action(
        description="Erase the selected people (name and email replaced)",
        permissions=["change"],
    )
    def erase_personal_data(self, request, queryset):
        # Erasing cannot be undone, so the action asks first, as Django's delete does.
        if request.POST.get("confirmed") != "yes":
            return TemplateResponse(
                request,
                "admin/organisations/user/erase_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Erase these people?",
                    "opts": self.model._meta,
                    "people": queryset,
                    "action_checkbox_name": ACTION_CHECKBOX_NAME,
                },
            )
        erased = 0
        for person in queryset:
            try:
                services.person_erase(person=person, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{person}: {error.messages[0]}", messages.ERROR)
            else:
                erased += 1
        if erased:
            self.message_user(request, f"Erased {erased} {'person' if erased == 1 else 'people'}.")
        return None


class OrganisationIdentifierInline(admin.TabularInline):
    """The identifiers an organisation holds beside those on its row (a second regulator's
    number, a former number): the import adds them."""

    model = OrganisationIdentifier
    extra = 0
    fields = ["scheme", "value", "former"]


@admin.register(Organisation)
class OrganisationAdmin(MembershipFormsetAuditMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "ods_code", "charity_number", "region", "income_band"]
    list_filter = ["kind", "region", "nation", "income_band", "charity_regulator"]
    search_fields = [
        "name",
        "ods_code",
        "charity_number",
        "company_number",
        "other_identifiers__value",
    ]
    autocomplete_fields = ["icb", "successor"]
    readonly_fields = ["code", "created_at"]
    inlines = [OrganisationIdentifierInline, MembershipInline]


class SuccessionForm(forms.ModelForm):
    class Meta:
        model = Succession
        fields = ["predecessor", "kind", "takes_effect_on", "successors"]

    def clean(self):
        cleaned = super().clean()
        predecessor = cleaned.get("predecessor")
        if predecessor and cleaned.get("kind") and cleaned.get("takes_effect_on"):
            try:
                services.succession_check(
                    predecessor=predecessor,
                    kind=cleaned["kind"],
                    takes_effect_on=cleaned["takes_effect_on"],
                    successors=list(cleaned.get("successors") or []),
                )
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(Succession)
class SuccessionAdmin(admin.ModelAdmin):
    """Recording goes through the service, as the import and the organisation's page do;
    partnerships.services.successions carries a succession out on its date."""

    form = SuccessionForm
    list_display = ["predecessor", "kind", "takes_effect_on", "carried_out_at"]
    list_filter = ["kind", "takes_effect_on"]
    search_fields = ["predecessor__name", "predecessor__ods_code"]
    autocomplete_fields = ["predecessor", "successors"]
    list_select_related = ["predecessor"]

    def has_change_permission(self, request, obj=None):
        # Once carried out, a succession is history: it cannot change.
        if obj is not None and obj.carried_out_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # partnerships' transfers and the audit trail point at it

    def save_model(self, request, obj, form, change):
        pass  # saved with its successors by save_related, through the service

    def save_related(self, request, form, formsets, change):
        form.instance, _ = services.succession_record(
            predecessor=form.cleaned_data["predecessor"],
            kind=form.cleaned_data["kind"],
            takes_effect_on=form.cleaned_data["takes_effect_on"],
            successors=list(form.cleaned_data["successors"]),
            by=request.user,
        )


@admin.register(MembershipOffer)
class MembershipOfferAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "organisation__name"]
    list_select_related = ["user", "organisation"]
    readonly_fields = ["succession", "user", "organisation", "role", "accepted_at", "accepted_by"]
    actions = ["accept"]

    def has_add_permission(self, request):
        return False  # made when a succession is carried out

    @admin.action(description="Accept the chosen offers: make each person a member")
    def accept(self, request, queryset):
        made = services.membership_offers_accept(offers=list(queryset), by=request.user)
        self.message_user(request, f"{made} people became members.", messages.SUCCESS)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]

    def save_model(self, request, obj, form, change):
        before = _membership_values([obj.pk]).get(obj.pk) if change else None
        super().save_model(request, obj, form, change)
        _audit_membership(request.user, obj, before)

    def delete_model(self, request, obj):
        _audit_membership(request.user, obj, None, removed=True)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user", "organisation"):
            _audit_membership(request.user, membership, None, removed=True)
        super().delete_queryset(request, queryset)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit trail, to browse and filter: nothing can be added, changed or deleted."""

    list_display = ["at", "actor_email", "organisation", "action", "object_repr", "ip_address"]
    list_filter = ["action", "organisation", "at"]
    date_hierarchy = "at"
    search_fields = ["actor_email", "object_repr", "object_id"]
    list_select_related = ["organisation"]
    # The trail only grows: counting all of it on every page would get slower and slower.
    show_full_result_count = False

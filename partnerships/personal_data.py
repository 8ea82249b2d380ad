"""What partnerships hold about a person, for the subject access export
(organisations.services.person_export, which partnerships/apps.py tells of it as the app
loads: organisations sits below partnerships and never imports it)."""

from django.db.models import Q

from partnerships.models import Action, Assessment, HealthCheck, Participant, Partnership, Review


def _when(value):
    return value.isoformat() if value is not None else None


def held_about(person) -> dict:
    """The partnerships a person registered, led or reviewed, their assessments and actions."""
    return {
        "partnerships_registered": [
            {"code": str(p.code), "name": p.name, "created_at": _when(p.created_at)}
            for p in Partnership.objects.filter(created_by=person)
        ],
        "lead_contact_for": [
            {"partnership": str(p.partnership), "organisation": str(p.organisation)}
            for p in Participant.objects.filter(lead_contact=person).select_related(
                "partnership", "organisation"
            )
        ],
        "reviews_opened_or_closed": [
            {
                "code": str(r.code),
                "partnership": str(r.partnership),
                "opened_by_them": r.opened_by_id == person.pk,
                "closed_by_them": r.closed_by_id == person.pk,
                "opened_on": _when(r.opened_on),
                "closed_on": _when(r.closed_on),
            }
            for r in Review.objects.filter(Q(opened_by=person) | Q(closed_by=person))
            .select_related("partnership")
            .order_by("opened_on", "id")
        ],
        "health_checks_recorded": [
            {"review": str(h.review), "updated_at": _when(h.updated_at)}
            for h in HealthCheck.objects.filter(recorded_by=person).select_related(
                "review__partnership"
            )
        ],
        "assessments_submitted": [
            {
                "code": str(a.code),
                "organisation": str(a.organisation),
                "review": str(a.review),
                "submitted_at": _when(a.submitted_at),
            }
            for a in Assessment.objects.filter(submitted_by=person).select_related(
                "organisation", "review__partnership"
            )
        ],
        "actions": [
            {
                "code": str(a.code),
                "partnership": str(a.partnership),
                "description": a.description,
                "owner_organisation": str(a.owner_organisation),
                "owned_by_them": a.owner_id == person.pk,
                "created_by_them": a.created_by_id == person.pk,
                "due_on": _when(a.due_on),
                "status": a.status,
                "created_at": _when(a.created_at),
            }
            for a in Action.objects.filter(Q(owner=person) | Q(created_by=person))
            .select_related("partnership", "owner_organisation")
            .order_by("created_at", "id")
        ],
    }

"""Successions: recording one (platform admins), the partnerships a split left to assign,
and a successor's handover pack (docs/permissions.md, "Successions")."""

import csv
import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from config.forms import gds_helper
from organisations import services as organisation_services
from organisations.audit import audit, only_organisation
from organisations.models import MembershipOffer, Organisation, Succession
from partnerships import exports, handover
from partnerships.forms.successions import SuccessionForm
from partnerships.models import PartnershipTransfer
from partnerships.services import successions as services

PLATFORM_ONLY = "Only platform admins record successions and assign partnerships after a split."


def _require_platform_admin(user) -> None:
    if not user.is_staff:
        raise PermissionDenied(PLATFORM_ONLY)


def succession_record(request, code):
    _require_platform_admin(request.user)
    predecessor = get_object_or_404(Organisation, code=code)
    form = SuccessionForm(
        request.POST if request.method == "POST" else None, predecessor=predecessor
    )
    if request.method == "POST" and form.is_valid():
        try:
            succession, _ = organisation_services.succession_record(
                predecessor=predecessor,
                kind=form.cleaned_data["kind"],
                takes_effect_on=form.cleaned_data["takes_effect_on"],
                successors=form.cleaned_data["successors"],
                by=request.user,
            )
            if succession.is_due:
                services.succession_carry_out(succession=succession, by=request.user)
        except ValidationError as error:
            for field, errors in getattr(error, "error_dict", {}).items():
                form.add_error(field if field in form.fields else None, errors)
            if not hasattr(error, "error_dict"):
                form.add_error(None, error)
        else:
            done = "and carried out" if succession.is_due else "to be carried out on its date"
            messages.success(request, f"{succession} recorded {done}.")
            return redirect("organisations:detail", code=predecessor.code)
    return render(
        request,
        "partnerships/succession_record.html",
        {"form": form, "organisation": predecessor},
    )


def successions_list(request):
    """The platform admin's page: successions, people waiting, partnerships to assign."""
    _require_platform_admin(request.user)
    successions = (
        Succession.objects.select_related("predecessor")
        .annotate(
            offers_waiting=Count(
                "membership_offers", filter=Q(membership_offers__accepted_at__isnull=True)
            )
        )
        .order_by("-takes_effect_on", "predecessor__name")
    )
    to_assign = (
        PartnershipTransfer.objects.filter(successor__isnull=True)
        .select_related("partnership", "succession__predecessor")
        .order_by("partnership__name", "id")
    )
    return render(
        request,
        "partnerships/successions.html",
        {"successions": successions, "to_assign": to_assign},
    )


class TransferAssignForm(forms.Form):
    successor = forms.ChoiceField(
        label="Which successor takes it over?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the successor that takes the partnership over",
            "invalid_choice": "Select one of the successors listed",
        },
    )

    def __init__(self, *args, successors, **kwargs):
        super().__init__(*args, **kwargs)
        self.successors = {str(s.code): s for s in successors}
        self.fields["successor"].choices = [(str(s.code), s.name) for s in successors]
        self.helper = gds_helper(self)

    def clean_successor(self) -> Organisation:
        return self.successors[self.cleaned_data["successor"]]


def transfer_assign(request, transfer_code):
    _require_platform_admin(request.user)
    transfer = get_object_or_404(
        PartnershipTransfer.objects.select_related(
            "partnership__icb", "succession__predecessor", "successor"
        ),
        code=transfer_code,
    )
    successors = transfer.succession.successors.order_by("name")
    form = TransferAssignForm(
        request.POST if request.method == "POST" else None, successors=successors
    )
    if transfer.successor_id is None and request.method == "POST" and form.is_valid():
        try:
            services.transfer_assign(
                transfer=transfer, successor=form.cleaned_data["successor"], by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"{transfer.partnership.name} is now with {form.cleaned_data['successor'].name}.",
            )
            return redirect("partnerships:successions")
    return render(
        request, "partnerships/transfer_assign.html", {"form": form, "transfer": transfer}
    )


@require_POST
def offers_accept_all(request, code):
    """A platform admin accepts every waiting offer of one succession at once."""
    _require_platform_admin(request.user)
    succession = get_object_or_404(Succession, code=code)
    offers = list(MembershipOffer.objects.filter(succession=succession, accepted_at__isnull=True))
    made = organisation_services.membership_offers_accept(offers=offers, by=request.user)
    messages.success(request, f"{made} {'person' if made == 1 else 'people'} joined the successor.")
    return redirect("partnerships:successions")


# The handover pack: members of the successor and platform admins.


def _successor(request, code) -> Organisation:
    organisation = get_object_or_404(Organisation.objects.visible_to(request.user), code=code)
    user = request.user
    if not (user.is_staff or organisation.memberships.filter(user=user).exists()):
        raise PermissionDenied(
            f"The handover pack is for the people of {organisation.name}: ask one of them."
        )
    return organisation


def handover_page(request, code):
    successor = _successor(request, code)
    pack = handover.handover_pack(successor=successor, user=request.user)
    return render(request, "partnerships/handover.html", {"pack": pack})


def handover_pdf(request, code):
    successor = _successor(request, code)
    pack = handover.handover_pack(successor=successor, user=request.user)
    audit(
        request.user,
        "export.pdf",
        successor,
        organisation=only_organisation(request.user),
        changes={"file": "handover"},
    )
    pdf = exports.render_pdf(
        "partnerships/handover_pdf.html",
        {"pack": pack, "pdf": True, "made_at": timezone.localtime(), "made_by": request.user},
        request=request,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = exports.filename("handover", successor.name, extension="pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def handover_csv(request, code):
    successor = _successor(request, code)
    pack = handover.handover_pack(successor=successor, user=request.user)
    audit(
        request.user,
        "export.csv",
        successor,
        organisation=only_organisation(request.user),
        changes={"file": "handover"},
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(handover.CSV_COLUMNS)
    for row in handover.csv_rows(pack):
        writer.writerow([exports.neutralise(value) for value in row])
    response = HttpResponse(exports.BOM + buffer.getvalue(), content_type="text/csv")
    name = exports.filename("handover", successor.name, extension="csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

"""The read API, /api/v1/: every object through the gate its page uses, every result
through the withholding rule, a page of a fixed number of queries, and an ETag.

Anyone reaches these views (no session: a personal token, api.access); the permission
class refuses a token without rights, and each queryset holds only what its owner's pages
would show: another organisation's object is a 404, as on the pages.
"""

import datetime
import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied as PageRefused
from django.db.models import Prefetch
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import conditional_page
from django.views.decorators.vary import vary_on_headers
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions, generics, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from organisations.audit import audit, only_organisation
from organisations.models import Organisation
from partnerships import reports, scoring
from partnerships.access import require_reports
from partnerships.forms.reports import ReportFilterForm
from partnerships.models import Action, Participant, Partnership, Review

from . import presenters
from . import serializers as s


class Error(serializers.Serializer):
    detail = serializers.CharField()


class FieldErrors(serializers.Serializer):
    detail = serializers.CharField(required=False)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


ERRORS = {
    400: OpenApiResponse(FieldErrors, description="A parameter that does not fit, and why."),
    401: OpenApiResponse(Error, description="No token, or one that is not valid."),
    403: OpenApiResponse(Error, description="The token's owner may not read this."),
    404: OpenApiResponse(Error, description="Nothing of that code that you may see."),
    429: OpenApiResponse(Error, description="Too many requests with this token."),
}


class CodePagination(CursorPagination):
    """Pages in the order of the objects' codes: stable, whatever changes between pages,
    and a cursor that tells nothing of how many rows there are."""

    ordering = "code"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    page_size_query_description = "Rows a page, 1 to 1000 (100 unless given)."

    def get_page_size(self, request):
        given = request.query_params.get(self.page_size_query_param)
        if given is None:
            return self.page_size
        if not (given.isascii() and given.isdigit() and 1 <= int(given) <= self.max_page_size):
            raise exceptions.ValidationError(
                {"errors": {"page_size": [f"Ask for 1 to {self.max_page_size} rows a page."]}}
            )
        return int(given)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] |= {"minimum": 1, "maximum": self.max_page_size}
        return parameters

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            # Any text is a cursor as far as the document goes; one this API did not give
            # out finds no page (404), as DRF answers.
            raise exceptions.NotFound(
                "No page has that cursor: use the “next” or “previous” link as it is."
            ) from None


def _api(view):
    """Public to the sign-in gate (the token is checked instead), with an ETag so a client
    that sends If-None-Match gets 304 when nothing changed; it varies by token."""
    return login_not_required(vary_on_headers("Authorization")(conditional_page(view)))


class Strict:
    """Refuses a query parameter the endpoint does not take (a mistyped `updatedsince` would
    otherwise be ignored and return everything): 400, naming the ones it takes."""

    def parameters(self) -> set[str]:
        return set()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        unknown = sorted(set(request.query_params) - self.parameters())
        if unknown:
            takes = ", ".join(sorted(self.parameters())) or "none"
            raise exceptions.ValidationError(
                {
                    "errors": {
                        name: [f"Not a parameter here; it takes: {takes}."] for name in unknown
                    }
                }
            )


class Rows:
    def whole(self, queryset):
        """`queryset` with everything the serializer reads of each row fetched with it."""
        return queryset


class Listed(Rows, Strict, generics.ListAPIView):
    pagination_class = CodePagination
    filters_class: type[serializers.Serializer]

    def parameters(self):
        return {*self.filters_class().fields, "cursor", "page_size"}

    def filters(self) -> dict:
        # A plain dict, not the QueryDict: DRF reads an empty value in a form as "not
        # given", while a parameter sent empty here is refused (400), as the document says.
        form = self.filters_class(data=self.request.query_params.dict())
        if not form.is_valid():
            raise exceptions.ValidationError({"errors": form.errors})
        return {k: v for k, v in form.validated_data.items() if v not in (None, "")}

    def found(self, queryset):
        """What the page reads of each row it finds: its id (and its code, the order)."""
        return queryset.values("pk", "code")

    def paginate_queryset(self, queryset) -> list[dict]:
        # A page is found with no more than `found` asks for, then its rows are read whole
        # by id. Asked for with all their joins, PostgreSQL may walk the code index through
        # thousands of rows to find one person's hundred (it cannot tell how few
        # partnerships are theirs); asked for less, it takes their few hundred rows through
        # the gate and sorts them (bench/README.md).
        return super().paginate_queryset(self.found(queryset))

    def rows(self, model, found: list[dict]) -> list:
        """The page's objects, in the order found, as the API gives them."""
        whole = self.whole(model.objects.order_by()).in_bulk([row["pk"] for row in found])
        return self.get_serializer([whole[row["pk"]] for row in found], many=True).data

    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        response = self.get_paginated_response(
            self.rows(queryset.model, self.paginate_queryset(queryset))
        )
        rows = len(response.data["results"])
        if rows > settings.API_EXPORT_ROWS:
            audit(
                request.user,
                "export.api",
                organisation=only_organisation(request.user),
                changes={"path": request.path, "query": request.GET.urlencode(), "rows": rows},
            )
        return response


class Detail(Rows, Strict, generics.RetrieveAPIView):
    def get_object(self):
        try:
            code = uuid.UUID(self.kwargs["code"])
        except ValueError:
            raise exceptions.NotFound("There is no such object.") from None
        found = self.whole(self.get_queryset()).filter(code=code).first()
        if found is None:
            raise exceptions.NotFound("There is no such object that you may see.")
        return found


class Since(serializers.Serializer):
    updated_since = serializers.DateTimeField(
        required=False,
        help_text="Only what changed at or after this time (ISO 8601, e.g. "
        "2026-11-01T00:00:00Z): for an incremental refresh.",
    )


def _since(queryset, filters):
    if "updated_since" in filters:
        queryset = queryset.filter(updated_at__gte=filters["updated_since"])
    return queryset


# Organisations


class OrganisationFilters(Since):
    side = serializers.ChoiceField(choices=s.SIDE_CHOICES, required=False)


def _organisation_rows(organisations):
    # org_ids reads the identifiers each holds beside those on its row: one query a page.
    return organisations.select_related("icb").prefetch_related("other_identifiers")


@extend_schema(
    parameters=[OrganisationFilters], responses={200: s.OrganisationSerializer, **ERRORS}
)
class OrganisationList(Listed):
    """Organisations you may see: your own and your partnerships' partners."""

    serializer_class = s.OrganisationSerializer
    filters_class = OrganisationFilters
    whole = staticmethod(_organisation_rows)

    def get_queryset(self):
        filters = self.filters()
        organisations = _since(Organisation.objects.visible_to(self.request.user), filters)
        if "side" in filters:
            organisations = organisations.of_side(filters["side"])
        return organisations


@extend_schema(responses={200: s.OrganisationSerializer, **ERRORS})
class OrganisationDetail(Detail):
    serializer_class = s.OrganisationSerializer
    whole = staticmethod(_organisation_rows)

    def get_queryset(self):
        return Organisation.objects.visible_to(self.request.user)


# Partnerships


class PartnershipFilters(Since):
    icb = serializers.UUIDField(required=False, help_text="The ICB area, by its code.")


def _partnership_rows(partnerships):
    return partnerships.select_related("icb", "framework").prefetch_related(
        Prefetch(
            "participants",
            queryset=Participant.objects.select_related("organisation").order_by(
                "organisation__name", "pk"
            ),
        )
    )


@extend_schema(parameters=[PartnershipFilters], responses={200: s.PartnershipSerializer, **ERRORS})
class PartnershipList(Listed):
    """Partnerships your organisations are partners in (every one for a platform admin)."""

    serializer_class = s.PartnershipSerializer
    filters_class = PartnershipFilters
    whole = staticmethod(_partnership_rows)

    def get_queryset(self):
        filters = self.filters()
        partnerships = _since(Partnership.objects.visible_to(self.request.user), filters)
        if "icb" in filters:
            partnerships = partnerships.filter(icb__code=filters["icb"])
        return partnerships


@extend_schema(responses={200: s.PartnershipSerializer, **ERRORS})
class PartnershipDetail(Detail):
    serializer_class = s.PartnershipSerializer
    whole = staticmethod(_partnership_rows)

    def get_queryset(self):
        return Partnership.objects.visible_to(self.request.user)


# Reviews


class ReviewFilters(Since):
    partnership = serializers.UUIDField(required=False, help_text="One partnership, by code.")
    icb = serializers.UUIDField(required=False, help_text="The ICB area, by its code.")
    state = serializers.ChoiceField(choices=Review.State.choices, required=False)


def _reviews(user):
    """Reviews of the partnerships `user` may see: the partnership's gate."""
    if user.is_staff:
        return Review.objects.all()
    return Review.objects.filter(partnership__in=Partnership.objects.visible_to(user).values("pk"))


@extend_schema(parameters=[ReviewFilters], responses={200: s.ReviewSerializer, **ERRORS})
class ReviewList(Listed):
    """Reviews of your partnerships, each closed one with its stored result as its results
    page shows it to you (a confidential review's withheld figures are null)."""

    serializer_class = s.ReviewSerializer
    filters_class = ReviewFilters

    def get_queryset(self):
        filters = self.filters()
        reviews = _since(_reviews(self.request.user), filters)
        if "partnership" in filters:
            reviews = reviews.filter(partnership__code=filters["partnership"])
        if "icb" in filters:
            reviews = reviews.filter(partnership__icb__code=filters["icb"])
        if "state" in filters:
            reviews = reviews.filter(state=filters["state"])
        return reviews

    def found(self, queryset):
        # Everything the page reads of a review is on its row or a to-one join from it
        # (partnership, ICB, framework), which PostgreSQL makes after narrowing by the gate
        # (checked at 10,000 partnerships for a commissioner, a charity lead and an admin):
        # no second query for them.
        return queryset.values(*presenters.COLUMNS)

    def rows(self, model, found):
        return presenters.reviews_page(found, user=self.request.user)


@extend_schema(responses={200: s.ReviewSerializer, **ERRORS})
class ReviewDetail(Detail):
    """One review; a closed one with each organisation's scores as its results page lists
    them to you."""

    serializer_class = s.ReviewSerializer

    def get_queryset(self):
        return _reviews(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        return Response(presenters.review_one(self.get_object(), user=request.user))


# Actions


class ActionFilters(Since):
    partnership = serializers.UUIDField(required=False, help_text="One partnership, by code.")
    status = serializers.ChoiceField(choices=Action.Status.choices, required=False)


def _action_rows(actions):
    return actions.select_related(
        "partnership", "review", "principle", "owner_organisation", "owner"
    )


@extend_schema(parameters=[ActionFilters], responses={200: s.ActionSerializer, **ERRORS})
class ActionList(Listed):
    """Actions of your partnerships."""

    serializer_class = s.ActionSerializer
    filters_class = ActionFilters
    whole = staticmethod(_action_rows)

    def get_queryset(self):
        filters = self.filters()
        actions = _since(Action.objects.visible_to(self.request.user), filters)
        if "partnership" in filters:
            actions = actions.filter(partnership__code=filters["partnership"])
        if "status" in filters:
            actions = actions.filter(status=filters["status"])
        return actions


@extend_schema(responses={200: s.ActionSerializer, **ERRORS})
class ActionDetail(Detail):
    serializer_class = s.ActionSerializer
    whole = staticmethod(_action_rows)

    def get_queryset(self):
        return Action.objects.visible_to(self.request.user)


# Report


class ReportFilters(serializers.Serializer):
    """The report page's filters; dates as ISO dates rather than the page's three boxes."""

    framework = serializers.IntegerField(required=False, help_text="Framework version id.")
    region = serializers.ChoiceField(choices=Organisation.Region.choices, required=False)
    icb = serializers.UUIDField(required=False)
    kind = serializers.ChoiceField(
        choices=Partnership.Kind.choices, required=False, help_text="Partnership type."
    )
    service_area = serializers.CharField(required=False)
    organisation = serializers.UUIDField(required=False)
    closed_from = serializers.DateField(required=False)
    closed_to = serializers.DateField(required=False)


def _form_data(validated: dict) -> dict:
    data = {}
    for name, value in validated.items():
        if isinstance(value, datetime.date):
            data |= {f"{name}_day": value.day, f"{name}_month": value.month}
            data[f"{name}_year"] = value.year
        else:
            data[name] = str(value)
    return data


REPORT = inline_serializer(
    "Report",
    {
        "filters": serializers.ListField(child=serializers.CharField()),
        "ignored": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="Filters left out, as the report page leaves them out, and why.",
        ),
        "framework": serializers.CharField(allow_null=True),
        "partnerships": serializers.IntegerField(),
        "reviewed": serializers.IntegerField(),
        "on_time": serializers.IntegerField(),
        "late": serializers.IntegerField(),
        "overdue": serializers.IntegerField(),
        "open_not_due": serializers.IntegerField(),
        "average_index": serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True),
        "principles": inline_serializer(
            "ReportPrinciple",
            {
                "number": serializers.IntegerField(),
                "name": serializers.CharField(),
                "partnerships": serializers.IntegerField(),
                "average": serializers.DecimalField(
                    max_digits=5, decimal_places=2, allow_null=True
                ),
                "lowest": serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True),
                "highest": serializers.DecimalField(
                    max_digits=5, decimal_places=2, allow_null=True
                ),
                "rag": serializers.CharField(allow_null=True),
                "red": serializers.IntegerField(),
                "amber": serializers.IntegerField(),
                "green": serializers.IntegerField(),
            },
            many=True,
        ),
        "index_bands": inline_serializer(
            "ReportBand",
            {"low": serializers.IntegerField(), "count": serializers.IntegerField()},
            many=True,
        ),
        "actions_open": serializers.IntegerField(),
        "actions_overdue": serializers.IntegerField(),
        "concerns_raised": serializers.IntegerField(),
        "concerns_answered": serializers.IntegerField(),
        "concerns_answered_on_time": serializers.IntegerField(),
    },
)


@extend_schema(parameters=[ReportFilters], responses={200: REPORT, **ERRORS})
class ReportSummary(Strict, generics.GenericAPIView):
    """The report page's figures for the filtered partnerships (commissioners and platform
    admins): a confidential review's withheld figures are left out, as on the page."""

    def parameters(self):
        return set(ReportFilters().fields)

    def get(self, request):
        try:
            require_reports(request.user)
        except PageRefused as refused:
            raise exceptions.PermissionDenied(str(refused)) from None
        checked = ReportFilters(data=request.query_params.dict())
        if not checked.is_valid():
            raise exceptions.ValidationError({"errors": checked.errors})
        form = ReportFilterForm(_form_data(checked.validated_data), user=request.user)
        # As on the page, a filter that does not fit the person's partnerships (an ICB they
        # have none in, dates in the wrong order) is left out, and the answer says why.
        filters = form.filters()
        report = reports.build_report(request.user, filters, per_page=1)

        def figure(value):
            return scoring.shown(value, scoring.FILE)

        concerns = report.concerns.total
        return Response(
            {
                "filters": filters.described(),
                "ignored": {name: list(errors) for name, errors in form.errors.items()},
                "framework": str(filters.framework) if filters.framework else None,
                "partnerships": report.partnerships,
                "reviewed": report.reviewed,
                "on_time": report.on_time,
                "late": report.late,
                "overdue": report.overdue,
                "open_not_due": report.open_not_due,
                "average_index": scoring.shown_index(report.average_index, 1),
                "principles": [
                    {
                        "number": p.number,
                        "name": p.name,
                        "partnerships": p.partnerships,
                        "average": figure(p.average),
                        "lowest": figure(p.lowest),
                        "highest": figure(p.highest),
                        "rag": p.rag,
                        "red": p.red,
                        "amber": p.amber,
                        "green": p.green,
                    }
                    for p in report.summaries
                ],
                "index_bands": [{"low": b.low, "count": b.count} for b in report.bands],
                "actions_open": report.actions_open,
                "actions_overdue": report.actions_overdue,
                "concerns_raised": concerns.raised,
                "concerns_answered": concerns.answered,
                "concerns_answered_on_time": concerns.answered_on_time,
            }
        )


# The description, for programs and for people.


class Schema(SpectacularAPIView):
    authentication_classes = []
    permission_classes = []
    throttle_classes = []


@login_not_required
def docs(request):
    """The API's description for people: the OpenAPI document set out as a page, with no
    script, read from the same generated document as /api/v1/schema."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        {
            "method": method.upper(),
            "path": path,
            "summary": (operation.get("description") or "").strip(),
            "parameters": operation.get("parameters", []),
            "id": operation.get("operationId"),
        }
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    return render(
        request,
        "api/docs.html",
        {
            "document": document,
            "operations": operations,
            "schemas": document.get("components", {}).get("schemas", {}),
            "schema_url": reverse("api:schema"),
        },
    )


# What the URLs call.
organisation_list = _api(OrganisationList.as_view())
organisation_detail = _api(OrganisationDetail.as_view())
partnership_list = _api(PartnershipList.as_view())
partnership_detail = _api(PartnershipDetail.as_view())
review_list = _api(ReviewList.as_view())
review_detail = _api(ReviewDetail.as_view())
action_list = _api(ActionList.as_view())
action_detail = _api(ActionDetail.as_view())
report_summary = _api(ReportSummary.as_view())
schema = login_not_required(Schema.as_view())

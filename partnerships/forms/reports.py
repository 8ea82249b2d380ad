from crispy_forms_gds.layout import Div, Layout
from crispy_forms_gds.widgets import DateInputWidget
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.forms.models import ModelChoiceIterator
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from config.forms import gds_helper
from organisations.models import Organisation
from partnerships.forms.common import DateField
from partnerships.models import Participant, Partnership, PartnershipTransfer, Review
from partnerships.reports import Filters, predecessors_of
from principles.models import Framework

IGNORED = "The report ignores this filter until it is corrected."


def _pick_from_list(thing: str) -> str:
    # Bandit reads "Select … from" as SQL; it is a sentence for the person.
    return f"Select {thing} from the list. {IGNORED}"  # nosec B608


class _NamedDateWidget(DateInputWidget):
    """closed_from_day=1&closed_from_month=4&… reads better in a shared link than _0, _1, _2."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widgets_names = ["_day", "_month", "_year"]


class _FrameworkChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, framework):
        return str(framework)


class _NamedChoices(ModelChoiceIterator):
    """(code, name) straight from the database, without a model instance for each: the
    organisation picker offers every organisation in the person's partnerships, some 8,000
    for a platform admin. The label is the name, as Organisation.__str__ gives it."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list(self.field.to_field_name, "name")


class Select(forms.Select):
    """A select whose options are written in Python rather than through a template each,
    in the same HTML as Django's templates: at 8,000 options those took over a second of
    the reports page for a platform admin, and a quarter of it for a commissioner.

    Named Select, as Django's is: crispy-forms-gds gives a widget its GOV.UK classes
    (govuk-select, and govuk-select--error) by the name of its class."""

    def render(self, name, value, attrs=None, renderer=None):
        wanted = set(self.format_value(value))
        options, chosen = [], False
        # A for loop, not list(): list() would ask a model choice field for its length, a
        # query of its own.
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):
                return super().render(name, value, attrs, renderer)  # groups: Django's own
            key = "" if option_value is None else str(option_value)
            selected = not chosen and key in wanted
            chosen = chosen or selected
            options.append(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    key,
                    mark_safe(" selected") if selected else "",  # nosec B308 B703 - a constant
                    label,
                )
            )
        attributes = "".join(
            f" {escape(key)}" if item is True else f' {escape(key)}="{escape(item)}"'
            for key, item in self.build_attrs(self.attrs, attrs).items()
            if item is not False
        )
        # Django's option template ends in a newline: hence the blank line after each option.
        html = f'<select name="{escape(name)}"{attributes}>' + "".join(
            f"\n  {option}\n" for option in options
        )
        return mark_safe(html + "\n</select>")  # nosec B308 B703 - every part escaped above


class _ICBChoices(ModelChoiceIterator):
    """The current ICBs, each with the predecessors it succeeded grouped under it, in one
    query: "NHS Central East ICB and its predecessors", then each predecessor with its last
    day. A predecessor whose successor is not in the list (a split) stands alone."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = list(
            self.queryset.order_by("name").values_list(
                "pk", "code", "name", "active_to", "successor"
            )
        )
        codes = {pk for pk, *_ in rows}
        under = {}
        for _, code, name, active_to, successor in rows:
            if successor in codes:
                under.setdefault(successor, []).append((code, _dated(name, active_to)))
        for pk, code, name, active_to, successor in rows:
            if successor in codes:
                continue
            if pk in under:
                yield (name, [(code, f"{name} and its predecessors"), *under[pk]])
            else:
                yield (code, _dated(name, active_to))


def _dated(name, active_to) -> str:
    # As Organisation.dated_name words it, from the row's values.
    return f"{name} (until {active_to:%-d %B %Y})" if active_to else name


class _CodeChoiceField(forms.ModelChoiceField):
    """Chosen by public code; a value that is not a code at all is just not in the list."""

    iterator = _NamedChoices
    widget = Select

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None


class _ICBChoiceField(_CodeChoiceField):
    iterator = _ICBChoices


class ReportFilterForm(forms.Form):
    """The report's filters, read from the URL. Every picker offers only what the person's
    partnerships hold; a value that does not fit is explained and then ignored."""

    framework = _FrameworkChoiceField(
        label="Framework version",
        queryset=Framework.objects.none(),
        required=False,
        empty_label=None,
        help_text="Scores are compared only within one version of the framework.",
        error_messages={"invalid_choice": _pick_from_list("a framework version")},
    )
    region = forms.ChoiceField(
        label="NHS region",
        choices=[("", "All regions"), *Organisation.Region.choices],
        required=False,
        error_messages={"invalid_choice": _pick_from_list("an NHS region")},
    )
    icb = _ICBChoiceField(
        label="ICB",
        queryset=Organisation.objects.none(),
        to_field_name="code",
        required=False,
        empty_label="All ICBs",
        error_messages={"invalid_choice": _pick_from_list("an ICB")},
    )
    kind = forms.ChoiceField(
        label="Partnership type",
        choices=[("", "All types"), *Partnership.Kind.choices],
        required=False,
        error_messages={"invalid_choice": _pick_from_list("a partnership type")},
    )
    service_area = forms.ChoiceField(
        label="Service area",
        choices=[],
        required=False,
        error_messages={"invalid_choice": _pick_from_list("a service area")},
    )
    organisation = _CodeChoiceField(
        label="Organisation",
        queryset=Organisation.objects.none(),
        to_field_name="code",
        required=False,
        empty_label="All organisations",
        help_text="Partnerships this organisation is, or was, a partner in.",
        error_messages={"invalid_choice": _pick_from_list("an organisation")},
    )
    closed_from = DateField(label="Reviews closed from", help_text="For example, 1 4 2025")
    closed_to = DateField(label="Reviews closed to", help_text="For example, 31 3 2026")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        visible = Partnership.objects.visible_to(user).values("pk")
        # EXISTS looks up one review per framework (by its index) rather than joining them all.
        used = Exists(Review.objects.filter(framework=OuterRef("pk")))
        frameworks = Framework.objects.filter(Q(published=True) | Q(used))
        self.fields["framework"].queryset = frameworks.order_by("name", "-version")
        self.default_framework = Framework.objects.current() or frameworks.first()
        if self.is_bound and not self.data.get("framework") and self.default_framework:
            # The select shows the framework the report uses when none is chosen.
            self.data = self.data.copy()
            self.data["framework"] = str(self.default_framework.pk)
        # The ICBs of the person's partnerships, those that succeed them (before the
        # succession is carried out too), and those they succeeded.
        areas = Partnership.objects.filter(pk__in=visible)
        self.fields["icb"].queryset = Organisation.objects.filter(
            Q(pk__in=areas.values("icb"))
            | Q(pk__in=areas.values("icb__successor"))
            | Q(
                pk__in=PartnershipTransfer.objects.filter(partnership__in=visible).values(
                    "succession__predecessor"
                )
            )
        ).order_by("name")
        areas = (
            Partnership.objects.filter(pk__in=visible)
            .exclude(service_area="")
            .values_list("service_area", flat=True)
            .distinct()
            .order_by("service_area")
        )
        self.fields["service_area"].choices = [("", "All service areas")] + [
            (area, area) for area in areas
        ]
        self.fields["organisation"].queryset = Organisation.objects.filter(
            pk__in=Participant.objects.filter(partnership__in=visible).values("organisation")
        ).order_by("name")
        for name in ("closed_from", "closed_to"):
            self.fields[name].widget = _NamedDateWidget()
        self.helper = gds_helper(self)
        column = "govuk-grid-column-one-half"
        self.helper.layout = Layout(
            Div(
                Div("framework", "region", "icb", "kind", css_class=column),
                Div("service_area", "organisation", "closed_from", "closed_to", css_class=column),
                css_class="govuk-grid-row",
            )
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("closed_from"), cleaned.get("closed_to")
        if start and end and end < start:
            self.add_error(
                "closed_to",
                f"Reviews closed to must be the same as or after reviews closed from. {IGNORED}",
            )
        return cleaned

    def filters(self) -> Filters:
        """The valid filters; the framework is the current one unless another is chosen."""
        self.is_valid()
        chosen = self.cleaned_data
        return Filters(
            framework=chosen.get("framework") or self.default_framework,
            region=chosen.get("region") or "",
            icb=chosen.get("icb"),
            inherited_from=predecessors_of(chosen["icb"]) if chosen.get("icb") else (),
            kind=chosen.get("kind") or "",
            service_area=chosen.get("service_area") or "",
            organisation=chosen.get("organisation"),
            closed_from=chosen.get("closed_from"),
            closed_to=chosen.get("closed_to"),
        )

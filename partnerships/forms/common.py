"""Fields every form in the app uses the same way."""

import datetime

from crispy_forms_gds.fields import DateInputField
from django import forms
from django.core.exceptions import ValidationError


class DateField(DateInputField):
    """The GOV.UK date input (day, month, year) with messages that say how to fix the date."""

    def __init__(self, *, label, required=False, help_text="For example, 31 3 2027", **kwargs):
        shown = label if required else f"{label} (optional)"
        super().__init__(label=shown, required=required, help_text=help_text, **kwargs)
        self.name = label  # messages name the date without "(optional)"
        self.error_messages["required"] = f"Enter the {label.lower()}"
        self.error_messages["incomplete"] = f"{label} must include a day, month and year"

    def compress(self, data_list):
        if not any(data_list):
            return None
        if not all(data_list):
            raise ValidationError(self.error_messages["incomplete"])
        day, month, year = data_list
        try:
            value = datetime.date(int(year), int(month), int(day))
        except (ValueError, OverflowError):  # a year too large for C: OverflowError
            raise ValidationError(f"{self.name} must be a real date, like 31 3 2027") from None
        if not 1990 <= value.year <= 2100:
            raise ValidationError(f"{self.name} must be in a year between 1990 and 2100")
        return value


class TextAreaField(forms.CharField):
    """Text typed in a textarea, up to a documented maximum (docs/limits.md).

    A browser counts a line break as one character against a textarea's maxlength and then
    sends two (CR LF); they are stored as one, so text that fitted the box fits the limit.
    """

    widget = forms.Textarea

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


def numeric_input(**attrs):
    """Text inputs with a numeric keypad: GOV.UK advises against type=number."""
    return forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false", **attrs})

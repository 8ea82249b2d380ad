from crispy_forms_gds.layout import Size
from django import forms

from config.forms import gds_helper
from partnerships.services.reminders import ESSENTIAL_TEXT

CHOICES = [
    ("all", "Send me every reminder"),
    ("essential", "Only send the essential emails"),
]


class ReminderPreferencesForm(forms.Form):
    """A person's notification choice on their profile page; `opt_out` is the domain value."""

    reminders = forms.ChoiceField(
        label="Email reminders",
        choices=CHOICES,
        widget=forms.RadioSelect,
        help_text=(
            "Reminders tell you when a review is coming due, when your organisation’s "
            "self-assessment is due or overdue, when an action you own is due or overdue, and "
            f"when results are published. {ESSENTIAL_TEXT}"
        ),
        error_messages={
            "required": "Select whether to get every reminder or only the essential emails",
            "invalid_choice": "Select whether to get every reminder or only the essential emails",
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("reminders", "essential" if user.reminders_opt_out else "all")
        self.helper = gds_helper(self, legend_size=Size.MEDIUM)

    @property
    def opt_out(self) -> bool:
        return self.cleaned_data["reminders"] == "essential"

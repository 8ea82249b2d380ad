"""How figures read on every page and PDF: the display rule of partnerships.scoring."""

from django import template

from partnerships import scoring

register = template.Library()


@register.filter
def score(value):
    """1–5 scores to one decimal place, half up; None reads as a dash for tables."""
    return "–" if value is None else str(scoring.shown(value))


@register.filter
def signed(value):
    """A shown gap: +1.2 when the NHS side rates higher, −0.8 when the VCSE side does."""
    if value is None:
        return "–"
    rounded = scoring.shown(value)
    if rounded == 0:
        return "0.0"
    return f"+{rounded}" if rounded > 0 else f"−{abs(rounded)}"


@register.filter
def index(value):
    """The index 0–100 as a whole number, half up."""
    return "–" if value is None else str(scoring.shown_index(value))


@register.filter
def band(value):
    """The band of a score as shown: red, amber or green (or None)."""
    return scoring.rag_for(value)

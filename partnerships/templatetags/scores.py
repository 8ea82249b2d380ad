"""How scores read on every page: one decimal place, gaps with their sign."""

from django import template

register = template.Library()


@register.filter
def score(value):
    """1–5 scores to one decimal place; None reads as a dash for tables."""
    return "–" if value is None else f"{value:.1f}"


@register.filter
def signed(value):
    """A perception gap: +1.2 when the NHS side rates higher, −0.8 when the VCSE side does."""
    if value is None:
        return "–"
    rounded = round(value, 1)
    if rounded == 0:
        return "0.0"
    return f"+{rounded:.1f}" if rounded > 0 else f"−{abs(rounded):.1f}"


@register.filter
def index(value):
    return "–" if value is None else f"{value:.0f}"

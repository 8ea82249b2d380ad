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


WITHHELD = "Withheld"


@register.filter
def figure(principle, name):
    """A principle's figure ("score", "spread" or a side) as `score` shows it, or "Withheld"
    where a confidential review withholds it from the reader (partnerships.withholding)."""
    if name == "score":
        value = principle.score
    elif name == "spread":
        value = principle.spread
    else:
        value = principle.side_means[name]
    if value is None and name in principle.withheld:
        return WITHHELD
    return score(value)


@register.filter
def headline_index(result):
    """A result's index as `index` shows it, or "Withheld"."""
    if result.index is None and "score" in result.withheld:
        return WITHHELD
    return index(result.index)


@register.filter
def side_names(sides):
    """("nhs", "vcse") → "NHS and VCSE"."""
    names = [scoring.side_name(side) for side in sides]
    return " and ".join(filter(None, [", ".join(names[:-1]), names[-1]])) if names else ""


@register.filter
def pounds(value):
    """An amount as people write it: 1,250,000 or 1,250,000.50, never rounded to the pound."""
    if value is None:
        return ""
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"

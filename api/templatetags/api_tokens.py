from django import template

from api.forms import TokenForm
from api.models import ApiToken

register = template.Library()


@register.simple_tag
def api_tokens(user):
    """The person's tokens and a blank form, for the profile page's section."""
    return {"tokens": list(ApiToken.objects.filter(user=user)), "form": TokenForm()}

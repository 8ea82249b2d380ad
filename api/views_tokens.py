"""Personal API tokens, made and revoked from the profile page."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .forms import TokenForm
from .models import ApiToken
from .services import token_create as create
from .services import token_revoke as revoke


@require_http_methods(["GET", "POST"])
def token_create(request):
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        token, secret = create(
            user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
        )
        # Rendered, not redirected to: the token is shown on this one response only.
        return render(request, "api/token_created.html", {"token": token, "secret": secret})
    return render(request, "api/token_form.html", {"form": form})


@require_POST
def token_revoke(request, code):
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), code=code)
    revoke(token=token, by=request.user)
    messages.success(request, f"The token “{token.name}” is revoked: it no longer works.")
    return redirect("profile")

"""Pages about the service itself, open to everyone."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.http import require_safe


@login_not_required
@require_safe
def accessibility(request):
    return render(request, "accessibility.html")

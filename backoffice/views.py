"""Official-facing pages.

Interface only (STYLE R1/R5). The dashboard is a placeholder until the queues land.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
@login_required
def home(request):
    # Signed-in people who are not officials get a polite explanation rather than a
    # bare 403 page: most of them are citizens who followed the wrong link.
    if not request.user.is_staff:
        return render(request, "backoffice/not_official.html", status=403)
    return render(request, "backoffice/home.html")

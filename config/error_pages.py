"""The product's own error pages, shown on demand in development.

With DEBUG on (`make run`), Django answers a missing page or a crash with its technical
pages, which a developer needs and a demo must not show. These addresses render the
pages a citizen gets in production, through Django's own error views (the 500 page with
no request context, exactly as after a crash). Without DEBUG they do not exist: a plain
404, like any unknown address.
"""

from django.conf import settings
from django.http import Http404
from django.views import defaults
from django.views.decorators.http import require_GET


@require_GET
def preview(request, status: str):
    if not settings.DEBUG:
        raise Http404
    if status == "400":
        return defaults.bad_request(request, exception=None)
    if status == "404":
        return defaults.page_not_found(request, exception=Http404())
    return defaults.server_error(request)

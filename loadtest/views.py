"""The benchmark floor: the cheapest page Django can serve here.

One indexed query (a catalogue row by primary key) and a tiny response, through the
same middleware stack as every page (sessions in Redis, authentication, CSRF, OTP,
locale, idle timeout, axes). `bench/` compares every page's latency to it, measured in
the same run, so the machine's noise cancels out. Routed only when `BENCH_FLOOR` is on
(never in production); it shows a public catalogue code and nothing else.
"""

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from procedures.models import Procedure


@require_GET
def floor(request):
    try:
        pk = int(request.GET.get("id", "1"))
    except ValueError:
        pk = 1
    code = Procedure.objects.filter(pk=pk).values_list("code", flat=True).first()
    return HttpResponse(code or "-", content_type="text/plain; charset=utf-8")

"""/xac-thuc/: anyone checks whether MotCua issued a document (its SHA-256 against the
register of issued documents) and whether its signatures are valid. Nothing beyond
what the document itself shows: its title, dossier code, date and signer."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from common import ratelimit
from signing import services as signing
from signing.demo import demo_root_pem

MAX_BYTES = 20 * 1024 * 1024
RATE_SCOPE = "verify-document"


class UploadForm(forms.Form):
    file = forms.FileField(label=_("The PDF to check"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        content = upload.read()
        if not content.startswith(b"%PDF"):
            raise forms.ValidationError(_("This file is not a PDF."))
        return content


class NumberForm(forms.Form):
    ma = forms.CharField(label=_("Dossier code"), max_length=40)
    so = forms.CharField(label=_("Verification number"), max_length=16)


@require_http_methods(["GET", "POST"])
def verify(request):
    upload_form = UploadForm(request.POST or None, request.FILES or None, prefix="tep")
    number_form = NumberForm(request.GET if "ma" in request.GET else None)
    context = {
        "upload_form": upload_form,
        "number_form": number_form,
        "demo_root": demo_root_pem() is not None,
    }
    bound = upload_form if request.method == "POST" else number_form
    if not bound.is_bound:
        return render(request, "portal/verify.html", context)
    target = "" if bound is upload_form else request.GET.get("ma", "")
    if not ratelimit.door_allowed(
        request, scope=RATE_SCOPE, targets=[target], limit=settings.SIGNING_VERIFY_DOOR_RATE
    ):
        context["limited"] = True
        return render(request, "portal/verify.html", context, status=429)
    if bound.is_valid():
        if bound is upload_form:
            context["verification"] = signing.verify_upload(bound.cleaned_data["file"])
        else:
            data = bound.cleaned_data
            context["verification"] = signing.verify_number(data["ma"], data["so"])
        context["checked"] = True
    return render(request, "portal/verify.html", context)


@require_GET
def demo_root(request):
    """The demo CA's root certificate, for a PDF reader to trust (development only)."""
    pem = demo_root_pem()
    if pem is None:
        raise Http404
    response = HttpResponse(pem, content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="motcua-demo-root.pem"'
    return response

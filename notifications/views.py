"""The notification centre and the notification settings (STYLE R5: load through a
selector scoped to the person, call one service, pick the response)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications import selectors, services
from notifications.forms import preference_form


@login_required
@require_GET
def notification_list(request):
    page = selectors.notification_list_for(user=request.user, after=request.GET.get("sau"))
    context = {"page": page, "unread": selectors.unread_count(request.user)}
    if request.htmx and request.GET.get("sau"):
        return render(request, "notifications/list.html#rows", context)
    return render(request, "notifications/list.html", context)


@require_GET
def bell(request):
    """The header's bell: loaded by htmx after the page, so no page pays for it."""
    count = selectors.unread_count(request.user) if request.user.is_authenticated else 0
    return render(request, "notifications/_bell.html", {"count": count})


@login_required
@require_POST
def notification_read(request, pk):
    notification = services.notification_mark_read(user=request.user, notification_id=pk)
    target = notification.link
    if request.POST.get("open") and target and url_has_allowed_host_and_scheme(target, None):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    count = services.notification_mark_all_read(user=request.user)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    form = preference_form(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        current = selectors.preference_for(request.user)
        services.preference_save(
            user=request.user,
            citizen_channel=form.cleaned_data["citizen_channel"],
            official_email=form.cleaned_data.get("official_email") or current.official_email,
            language=form.cleaned_data["language"],
        )
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})

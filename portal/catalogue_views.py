"""The public procedure catalogue: /thu-tuc/ (search + filters) and /thu-tuc/<code>/.

Interface only (STYLE R5): parse the request, call `procedures.selectors`, render.
Bounded pagination: 20 per page, at most 50 pages (a citizen refines the search
long before that); every page costs a fixed number of queries.
"""

import functools
import hashlib
from pathlib import Path

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from identity import permissions
from procedures import selectors
from procedures.constants import Level, OnlineLevel
from procedures.selectors import (
    MAX_QUERY_LENGTH,
    catalogue_filter_options,
    parse_query,
    procedure_get_for_public,
    procedure_page_for_public,
)

PAGE_SIZE = 20
FILTER_NAMES = ("field", "level", "agency", "online")
MAX_PAGES = 50


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=10_000, strip=True)
    field = forms.TypedChoiceField(label=_("Field"), required=False, coerce=int, empty_value=None)
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All levels")), *Level.choices]
    )
    agency = forms.TypedChoiceField(label=_("Agency"), required=False, coerce=int, empty_value=None)
    online = forms.ChoiceField(
        label=_("Online service"),
        required=False,
        choices=[("", _("All")), *OnlineLevel.choices],
    )
    page = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args, fields, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", _("All fields")), *fields]
        self.fields["agency"].choices = [("", _("All agencies")), *agencies]

    def value(self, name):
        """The cleaned value, or None when it was invalid (a bad filter is ignored,
        never a server error)."""
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name) if name not in self.errors else None


CONTENT_TEMPLATE = "portal/catalogue/list_content.html"


@require_GET
def procedure_list(request):
    """The catalogue page. What it shows below the header depends only on the query
    string, the language and the catalogue, so it is rendered once per catalogue
    generation and served from the cache to everyone who asks the same: the filter
    form (every field and agency as an option) and the rows cost more to render than
    the search costs to run. The header (user, CSRF token) is rendered every time."""
    if selectors.SEARCH_CACHE_ENABLED:
        rendered = selectors.cached_with_catalogue(
            _rendered_name(request), lambda: _render_content(request)
        )
    else:
        rendered = _render_content(request)
    if request.htmx:
        return HttpResponse(rendered["content"])
    # Safe: rendered by the template engine above, with autoescaping.
    content = mark_safe(rendered["content"])  # noqa: S308
    return render(
        request,
        "portal/catalogue/list.html",
        {"page_title": rendered["title"], "content": content},
    )


@functools.cache
def _templates_digest() -> str:
    """Changes when the cached part's template or a translation changes (a deploy),
    so a new release never serves HTML rendered by the old one."""
    digest = hashlib.sha256()
    paths = [Path(settings.BASE_DIR) / "templates" / CONTENT_TEMPLATE]
    paths += sorted(Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.mo"))
    for path in paths:
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()[:12]


def _rendered_name(request) -> str:
    # Every parameter counts (unknown ones are kept in the pagination links).
    params = sorted(request.GET.lists())
    return repr(
        (
            "html",
            _templates_digest(),
            get_language(),
            bool(request.htmx),
            searches_as_individual(request.user),
            params,
        )
    )


def searches_as_individual(user) -> bool:
    """A person signed in for themselves: the search lifts the procedures individuals
    file. Officials and staff search for others, so their ranking stays neutral."""
    return bool(user.is_authenticated and not user.is_staff and not permissions.is_official(user))


def _render_content(request) -> dict:
    context = _list_context(request)
    return {
        "title": (
            gettext("“%(query)s” – procedures")  # noqa: RUF001 - the msgid
            % {"query": context["query"]}
            if context["query"]
            else gettext("Administrative procedures")
        ),
        # Under htmx only the results are swapped in: render just that part.
        "content": render_to_string(
            f"{CONTENT_TEMPLATE}#results" if request.htmx else CONTENT_TEMPLATE, context
        ),
    }


def _list_context(request) -> dict:
    options = catalogue_filter_options()  # cached; see procedures.selectors
    form = CatalogueFilterForm(
        request.GET or None, fields=options["fields"], agencies=options["agencies"]
    )
    raw_query = (request.GET.get("q") or "").strip()
    query = parse_query(raw_query)
    too_long = len(raw_query) > MAX_QUERY_LENGTH
    filters = {
        "field_id": form.value("field"),
        "level": form.value("level") or None,
        "agency_id": form.value("agency"),
        "online_level": form.value("online") or None,
    }
    result = procedure_page_for_public(
        query=query,
        for_individual=searches_as_individual(request.user),
        page=form.value("page") or 1,
        page_size=PAGE_SIZE,
        max_pages=MAX_PAGES,
        **filters,
    )
    total, page, pages, procedures = result.total, result.number, result.pages, result.procedures
    offset = (page - 1) * PAGE_SIZE
    params = request.GET.copy()
    params.pop("page", None)
    return {
        "form": form,
        "query": query.raw,
        "query_ignored": bool(raw_query) and not query,
        "query_truncated": too_long,
        "procedures": procedures,
        "total": total,
        "page": page,
        "pages": pages,
        "capped": total > MAX_PAGES * PAGE_SIZE,
        "total_display": min(total, MAX_PAGES * PAGE_SIZE),
        "previous_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if page < pages else None,
        "base_query": params.urlencode(),
        "has_filters": any(filters.values()),
        "first_index": offset + 1,
        # Result links are this prefix + code: one reverse() per page, not per row.
        "detail_prefix": reverse("portal:procedure-detail", kwargs={"code": "0"})[:-2],
        "selected": {
            name: form.data.get(name, "") for name in ("field", "level", "agency", "online")
        },
    }


@require_GET
def procedure_detail(request, code: str):
    procedure = procedure_get_for_public(code=code[:40])
    if procedure is None:
        raise Http404(_("No published procedure has this code."))
    version = procedure.published[0]
    channels = list(version.channels.all())
    return render(
        request,
        "portal/catalogue/detail.html",
        {
            "procedure": procedure,
            "version": version,
            "channels": channels,
            "cases": list(version.cases.all()),
            "online": any(c.method == "online" for c in channels)
            and procedure.online_level != OnlineLevel.NONE,
        },
    )

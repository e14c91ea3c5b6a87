"""Request middleware of the platform."""


class VietnameseFirstMiddleware:
    """Serve Vietnamese until the person picks another language with the switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a citizen
    whose phone happens to be set to English would land on the English site. The portal
    is Vietnamese first: only the language cookie (set by the switcher) or a language
    prefix chooses otherwise. Must sit before LocaleMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


def _is_bad_text(value: str) -> bool:
    """A NUL byte (PostgreSQL refuses it in text) or a lone surrogate (not UTF-8)."""
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _has_bad_input(request) -> bool:
    if _is_bad_text(request.path):
        return True
    queries = [request.GET]
    # Django parses only form bodies into POST; JSON bodies are the API's to validate.
    if request.method == "POST" and request.content_type in {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }:
        queries.append(request.POST)
    return any(
        _is_bad_text(key) or any(_is_bad_text(value) for value in values)
        for query in queries
        for key, values in query.lists()
    )


class BadInputMiddleware:
    """Answer 400 to a request whose path or parameters carry a NUL byte or a lone
    surrogate, before any view passes them on to PostgreSQL (which fails on both).

    No browser sends either in a real form or link; forms that validate their fields
    refuse them too (Django's ProhibitNullCharactersValidator), but a view reading a
    raw parameter, a path converter or a lookup by code would not.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_bad_input(request):
            return bad_input_response(request)
        return self.get_response(request)


def bad_input_response(request):
    from django.http import JsonResponse
    from django.shortcuts import render
    from django.utils.translation import gettext as _

    message = _("The address or the form contains characters that are not allowed.")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return render(request, "400.html", {"message": message}, status=400)


class PrivatePagesNotStoredMiddleware:
    """Nothing shown to a signed-in person is kept by the browser or any cache on the
    way (a shared computer at a library, a proxy): `Cache-Control: private, no-store`
    unless the view chose its own caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response

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

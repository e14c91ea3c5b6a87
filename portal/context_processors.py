import unicodedata

from django.conf import settings
from django.utils.translation import get_language_info


def site(request):
    """Site identity and the language switch choices, for every template."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_CITY": settings.SITE_CITY,
        # Each language is named in itself. Django's own "Tiếng Việt" is stored
        # decomposed (NFD); normalise it so it renders and matches like typed text.
        "LANGUAGE_CHOICES": [
            (code, unicodedata.normalize("NFC", get_language_info(code)["name_local"]))
            for code, _name in settings.LANGUAGES
        ],
    }

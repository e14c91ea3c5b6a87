"""System checks of the deployment (`manage.py check --deploy`)."""

from django.conf import settings
from django.core import checks

from config.backends import DEVELOPMENT_BACKENDS, development_backends_in


@checks.register(checks.Tags.security, deploy=True)
def check_development_backends(app_configs=None, **kwargs):
    """An error for each development backend configured (a warning on a staging copy
    that set ALLOW_DEVELOPMENT_BACKENDS)."""
    values = {
        backend.setting: getattr(settings, backend.setting)
        for backend in DEVELOPMENT_BACKENDS
        if hasattr(settings, backend.setting)
    }
    allowed = getattr(settings, "ALLOW_DEVELOPMENT_BACKENDS", False)
    level = checks.Warning if allowed else checks.Error
    return [
        level(
            str(finding),
            hint="Development backends are for development and staging only (docs/security.md).",
            id="motcua.W001" if allowed else "motcua.E001",
        )
        for finding in development_backends_in(values)
    ]


@checks.register()
def check_legal_settings(app_configs=None, **kwargs):
    """The one-stop rules set in the environment (`LEGAL_*`, dossiers/legal.py) must
    be readable: a typo would otherwise surface as an error in a citizen's request."""
    from django.core.exceptions import ImproperlyConfigured

    from dossiers import legal

    errors = []
    for read in (
        legal.supplement_clock,
        legal.supplement_request_days,
        legal.apology_lead_days,
        legal.transfer_morning_end,
        legal.declaration_locked,
    ):
        try:
            read()
        except (ImproperlyConfigured, ValueError, TypeError) as error:
            errors.append(
                checks.Error(
                    f"{read.__name__}: {error}",
                    hint="See docs/legal.md, settings of the one-stop rules.",
                    id="motcua.E002",
                )
            )
    return errors

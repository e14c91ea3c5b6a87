"""What a new web process does before its first request (gunicorn's post_worker_init).

A worker imports the URLconf, and with it every view module, on its first request,
and compiles each template the first time it renders it: left to the first request,
that makes a worker's first back-office page take about a second instead of tens of
milliseconds, and with `--max-requests` (Dockerfile) workers are replaced all day long,
so someone at the counter would meet that stall regularly. Done here, before the
worker accepts connections, nobody waits for it.
"""

from __future__ import annotations

import logging
from pathlib import Path

logger = logging.getLogger(__name__)


def warm_up() -> None:
    from django.conf import settings
    from django.template import TemplateDoesNotExist, TemplateSyntaxError
    from django.template.loader import get_template
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the import is the point
    # The project's own templates into the cached loader (admin and library templates
    # are compiled when first used: few people see them).
    root = Path(settings.BASE_DIR) / "templates"
    for path in sorted(root.rglob("*.html")):
        name = path.relative_to(root).as_posix()
        try:
            get_template(name)
        except (TemplateDoesNotExist, TemplateSyntaxError):
            # A fragment meant to be included in a context that defines its blocks,
            # or shadowed by an administrator: compiled when it is first used.
            logger.debug("template %s not warmed", name, exc_info=True)

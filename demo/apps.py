from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data of `make run` (`manage.py seed_demo`). Each app seeds its own part
    (`procedures.demo`, `identity.demo`, `dossiers.demo`, `notifications.demo`); this
    app only calls them in order, from above them all. It owns no model."""

    name = "demo"
    verbose_name = "Demo data"

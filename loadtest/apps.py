from django.apps import AppConfig


class LoadTestConfig(AppConfig):
    """Benchmark tooling, kept out of the domain apps: the bulk data generator
    (`manage.py generate_load_data`) and the benchmark floor page. It owns no model."""

    name = "loadtest"
    verbose_name = "Load test"

"""The benchmark's own PostgreSQL cluster runs with the settings docs/scaling.md lists."""

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cluster():
    spec = importlib.util.spec_from_file_location("bench_cluster", ROOT / "bench" / "cluster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_settings_follow_the_host_and_keep_autovacuum_on():
    settings = _cluster().production_settings(memory=24 * 1024**3)
    assert settings["shared_buffers"] == "6144MB"
    assert settings["effective_cache_size"] == "18432MB"
    assert settings["maintenance_work_mem"] == "1536MB"
    assert settings["autovacuum"] == "on"
    assert settings["fsync"] == settings["synchronous_commit"] == "on"
    assert settings["jit"] == "off"
    # Capped on a large host: index builds do not need more.
    assert _cluster().production_settings(memory=256 * 1024**3)["maintenance_work_mem"] == "2048MB"


def test_every_setting_is_documented_in_the_scaling_guide():
    doc = (ROOT / "docs" / "scaling.md").read_text()
    table = doc.split("### PostgreSQL settings", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([a-z_]+)`", table))
    applied = set(_cluster().production_settings(memory=8 * 1024**3))
    # listen_addresses and logging belong to the bench, not to the advice.
    missing = (
        applied
        - documented
        - {
            "listen_addresses",
            "log_min_duration_statement",
            "log_autovacuum_min_duration",
            "checkpoint_completion_target",
            "wal_compression",
        }
    )
    assert not missing, (
        f"bench/cluster.py applies settings docs/scaling.md does not list: {missing}"
    )

"""Streaming exports keep memory flat: the peak Python allocation while writing 10N
rows stays close to the peak for N rows (a file built in memory would grow ~10x)."""

import tempfile
import tracemalloc

import pytest

from dossiers import exports, queues
from dossiers.constants import Status
from tests.backoffice.queue_data import clone_many
from tests.dossiers.factories import World

pytestmark = pytest.mark.django_db

N = 300


@pytest.fixture
def world(monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 100)
    w = World()
    w.template = w.dossier_in(Status.RECEIVED)
    return w


def _peak(run) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _csv(world):
    scope = queues.official_scope(world.leader)
    rows = exports.queue_rows(scope, queues.Filters(queue="all"))
    total = 0
    for line in exports.csv_stream(exports.queue_header(), rows):
        total += len(line)  # sent to the client, then dropped
    return total


def _xlsx(world):
    scope = queues.official_scope(world.leader)
    rows = exports.queue_rows(scope, queues.Filters(queue="all"))
    with tempfile.TemporaryFile() as tmp:
        return exports.write_xlsx(tmp, exports.queue_header(), rows, title="q")


@pytest.mark.parametrize("write", [_csv, _xlsx], ids=["csv", "xlsx"])
def test_peak_memory_does_not_grow_with_the_row_count(world, write):
    clone_many(world.template, N - 1)
    write(world)  # warm imports and caches
    small = _peak(lambda: write(world))
    clone_many(world.template, 9 * N, start=N)
    big = _peak(lambda: write(world))
    assert big < small * 1.5, (small, big)


def test_a_whole_file_in_memory_would_fail_this_check(world):
    """The check above can fail: building the CSV as one string grows with the rows."""
    clone_many(world.template, N - 1)

    def whole():
        scope = queues.official_scope(world.leader)
        rows = exports.queue_rows(scope, queues.Filters(queue="all"))
        return "".join(exports.csv_stream(exports.queue_header(), rows))

    whole()
    small = _peak(whole)
    clone_many(world.template, 9 * N, start=N)
    assert _peak(whole) > small * 1.5

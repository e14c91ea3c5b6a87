"""A test subscriber that writes each delivery to a file, so a test can count what a
recipient received across worker processes. Worker processes register it through
OUTBOX_SUBSCRIBERS and find the file in OUTBOX_TEST_RECORD.

Control files next to the record (created by the test):
- `<record>.slow`: the next delivery removes it, then sleeps a minute before writing
  (a worker to kill mid-task);
- `<record>.fail`: every delivery raises (a recipient that is down).
Each delivery that starts appends the process id to `<record>.started`.
"""

import os
import time
from pathlib import Path

from dossiers.outbox import Subscriber

PATH = "tests.dossiers.outbox_recorder.FileRecorder"


def record_path() -> Path | None:
    value = os.environ.get("OUTBOX_TEST_RECORD")
    return Path(value) if value else None


class FileRecorder(Subscriber):
    name = "test-recorder"

    def plan(self, event):
        if record_path() is None:
            return ()
        return [(f"user:{event.actor_id or 0}", "file")]

    def deliver(self, delivery):
        path = record_path()
        with path.with_suffix(".started").open("a") as f:
            f.write(f"{os.getpid()}\n")
        slow = path.with_suffix(".slow")
        if slow.exists():
            slow.unlink()
            time.sleep(60)
        if path.with_suffix(".fail").exists():
            raise ConnectionError("recipient is down")
        with path.open("a") as f:
            f.write(f"{delivery.idempotency_key} {delivery.event.kind}\n")


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []

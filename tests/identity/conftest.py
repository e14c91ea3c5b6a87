import pytest

from identity.sms import FileSmsBackend


@pytest.fixture
def sms_outbox(settings, tmp_path):
    """SMS go to a file, as in development; the fixture reads them back."""
    settings.SMS_BACKEND = "identity.sms.FileSmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return FileSmsBackend(settings.SMS_FILE_PATH)


@pytest.fixture(autouse=True)
def _identity_tasks_eager(celery_eager):
    """The account doors hand their second half to a worker (identity.tasks): here it
    runs in the test, when the on-commit callbacks run."""

import pytest

from identity.sms import FileSmsBackend


@pytest.fixture
def sms_outbox(settings, tmp_path):
    """SMS go to a file, as in development; the fixture reads them back."""
    settings.SMS_BACKEND = "identity.sms.FileSmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return FileSmsBackend(settings.SMS_FILE_PATH)

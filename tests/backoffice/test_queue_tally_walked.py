"""The queue tally through the services: the wards of test_queue_tally.py with each
dossier walked to its state (the trigger follows every transition). A module of its
own, because that module keeps its built wards, with the same agency codes, for all its
tests."""

import pytest

from tests.backoffice.test_queue_tally import (
    _assert_every_tab_counted_alike,
    _count_from_the_tally,
    _wards,
)

pytestmark = pytest.mark.django_db


def test_the_tally_counts_what_the_dossier_table_counts_when_walked(settings, fake_pdf):
    # The forms are not laid out as PDF.
    _count_from_the_tally(settings)
    _assert_every_tab_counted_alike(_wards(walked=True), settings)

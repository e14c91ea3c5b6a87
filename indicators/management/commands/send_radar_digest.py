"""`manage.py send_radar_digest`: the weekly radar email to every leader now (each
leader gets at most one per week, however often this runs)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from indicators import digest


class Command(BaseCommand):
    help = "Send this week's bottleneck radar email to every leader who has not had it yet."

    def handle(self, *args, **options):
        sent = digest.send_radar_digests()
        self.stdout.write(f"Radar digests sent: {sent}.")

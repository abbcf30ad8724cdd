"""Recompute the stored alerts of open plans for today: run it nightly, shortly after midnight (cron or a systemd
timer), so that coordinators' homes read the day's alerts without computing them. Plans changed during the day are
recomputed by their next reader anyway; ``--all`` recomputes every open plan, fresh or not."""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from cus.plans import alerts


class Command(BaseCommand):
    help = "Recompute the stored alerts of open plans for today (nightly)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="every open plan, not only those out of date")
        parser.add_argument("--date", type=datetime.date.fromisoformat, help="the day to compute for (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["date"] or timezone.localdate()
        started = time.perf_counter()
        plans, stored = alerts.refresh_open(today, everything=options["all"])
        self.stdout.write(
            f"{plans} plans recomputed for {today.isoformat()}, {stored} alerts stored "
            f"in {time.perf_counter() - started:.1f} s"
        )

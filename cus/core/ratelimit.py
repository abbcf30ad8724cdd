"""Rate limits of public pages, counted in the database so that they hold across server processes and restarts.

A fixed window opens at a client's first attempt and lasts ``window_seconds``; within it the attempts are counted
with single-row ``UPDATE … SET attempts = attempts + 1`` statements, which the database serialises (a row lock on
PostgreSQL, the write lock on SQLite), so concurrent requests in several gunicorn workers never lose a count.
Rows of ended windows are deleted as new attempts come in."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from cus.core.models import RateLimitCounter


def client_key(scope: str, client: str) -> str:
    """``scope`` in clear (what is guarded), the client address only as a keyed hash: no addresses are stored."""
    digest = salted_hmac("cus.core.ratelimit", client, algorithm="sha256").hexdigest()
    return f"{scope}:{digest}"[:150]


@transaction.atomic
def hit(scope: str, client: str, *, limit: int, window_seconds: int, now: datetime.datetime | None = None) -> bool:
    """Count one attempt of ``client`` at ``scope``; True when it is over ``limit`` in the current window."""
    now = now or timezone.now()
    key = client_key(scope, client)
    ends = now + datetime.timedelta(seconds=window_seconds)
    RateLimitCounter.objects.filter(expires_at__lte=now).exclude(key=key).delete()
    counted = RateLimitCounter.objects.filter(key=key, expires_at__gt=now).update(attempts=F("attempts") + 1)
    if not counted:
        # No window open: reuse an ended row or create one.
        counted = RateLimitCounter.objects.filter(key=key, expires_at__lte=now).update(
            window_start=now, expires_at=ends, attempts=1
        )
    if not counted:
        try:
            with transaction.atomic():
                RateLimitCounter.objects.create(key=key, window_start=now, expires_at=ends, attempts=1)
        except IntegrityError:
            # Another process created the row a moment ago: count this attempt in it.
            RateLimitCounter.objects.filter(key=key).update(attempts=F("attempts") + 1)
    attempts = RateLimitCounter.objects.filter(key=key).values_list("attempts", flat=True).get()
    return attempts > limit

"""The database rate limit: counted per client and scope in a window that opens at the first attempt."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cus.core import ratelimit
from cus.core.models import RateLimitCounter

pytestmark = pytest.mark.django_db

START = timezone.make_aware(datetime.datetime(2026, 11, 2, 10, 0))


def _at(seconds: int) -> datetime.datetime:
    return START + datetime.timedelta(seconds=seconds)


def test_attempts_over_the_limit_are_refused_until_the_window_ends() -> None:
    results = [ratelimit.hit("x", "198.51.100.1", limit=3, window_seconds=60, now=_at(i)) for i in range(5)]
    assert results == [False, False, False, True, True]
    row = RateLimitCounter.objects.get()
    assert row.attempts == 5 and row.window_start == START and row.expires_at == _at(60)
    # The window is fixed from the first attempt: it ends 60 s later, not 60 s after the last one.
    assert ratelimit.hit("x", "198.51.100.1", limit=3, window_seconds=60, now=_at(59)) is True
    assert ratelimit.hit("x", "198.51.100.1", limit=3, window_seconds=60, now=_at(60)) is False
    row.refresh_from_db()
    assert row.attempts == 1 and row.window_start == _at(60)


def test_clients_and_scopes_are_counted_apart_and_ended_windows_are_purged() -> None:
    assert not ratelimit.hit("x", "198.51.100.1", limit=1, window_seconds=60, now=_at(0))
    assert ratelimit.hit("x", "198.51.100.1", limit=1, window_seconds=60, now=_at(1))
    assert not ratelimit.hit("x", "198.51.100.2", limit=1, window_seconds=60, now=_at(2))
    assert not ratelimit.hit("y", "198.51.100.1", limit=1, window_seconds=60, now=_at(3))
    assert RateLimitCounter.objects.count() == 3
    assert not ratelimit.hit("z", "198.51.100.3", limit=1, window_seconds=60, now=_at(120))
    assert list(RateLimitCounter.objects.values_list("key", flat=True)) == [ratelimit.client_key("z", "198.51.100.3")]


def test_the_key_does_not_store_the_address() -> None:
    key = ratelimit.client_key("qualification:status", "203.0.113.9")
    assert key.startswith("qualification:status:") and "203.0.113.9" not in key
    assert key != ratelimit.client_key("qualification:status", "203.0.113.10")

"""Paging of long work lists whose exact length is not worth counting on every view."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet


class CappedPaginator(Paginator):
    """A paginator that counts at most ``cap`` rows. A worker's queue of 90,000 open applications otherwise costs a
    count of every row on every page view (20–40 ms on PostgreSQL, which counts by visiting the rows); nobody pages
    past the first thousand — they search or sort the other way —, so beyond ``cap`` the pages stop there and
    ``capped`` tells the template to say "more than"."""

    def __init__(self, object_list: Any, per_page: int, *, cap: int = 1000, **kwargs: Any) -> None:
        self.cap = cap
        super().__init__(object_list, per_page, **kwargs)

    @cached_property
    def _counted(self) -> int:
        """Rows up to ``cap + 1`` (``SELECT COUNT(*) FROM (… LIMIT cap + 1)``): one more tells there are more."""
        if isinstance(self.object_list, QuerySet):
            return self.object_list.order_by()[: self.cap + 1].count()
        return min(len(self.object_list), self.cap + 1)

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        return self._counted > self.cap

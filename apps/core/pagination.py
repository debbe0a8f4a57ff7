"""One way to page a list in the API: numbered pages, and a page past the last one is a 404."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from apps.core.errors import NotFound

PAGE_SIZE_MAX = 200


@dataclass(frozen=True)
class Page:
    count: int
    page: int
    pages: int
    page_size: int
    results: list

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None

    @property
    def previous(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    def body(self, results: Any, **extra: Any) -> dict[str, Any]:
        """The response: `extra` fields, the page numbers and `results` (the page's rows, serialized)."""
        return {
            **extra,
            "count": self.count,
            "page": self.page,
            "pages": self.pages,
            "page_size": self.page_size,
            "next": self.next,
            "previous": self.previous,
            "results": results,
        }


def page_get(queryset: QuerySet, *, page: int, page_size: int) -> Page:
    """One page of a queryset; a page past the last one is a 404 (page 1 of nothing is empty)."""
    count = queryset.count()
    pages = max(1, math.ceil(count / page_size))
    if page > pages:
        raise NotFound(f"Page {page} is past the last page ({pages}).")
    start = (page - 1) * page_size
    return Page(count, page, pages, page_size, list(queryset[start : start + page_size]))

"""The admin's paginator: list pages of a register of a million rows without counting it."""

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


class CountAtLeast(int):
    """A count that stopped at its limit: it compares and pages as the limit and shows
    as "1000+", so the list does not claim an exact number it never counted."""

    def __str__(self) -> str:
        return f"{int(self)}+"

    def __format__(self, format_spec: str) -> str:
        return str(self) if not format_spec else super().__format__(format_spec)


def is_unfiltered(queryset: QuerySet) -> bool:
    """Whether the queryset holds every row of its model's table: no condition, and
    nothing (distinct, grouping, slicing, a union) that changes the number of rows."""
    query = queryset.query
    return not (
        query.where
        or query.distinct
        or query.group_by
        or query.combinator
        or query.is_sliced
        or query.model is None
    )


def planner_estimate(queryset: QuerySet) -> int | None:
    """PostgreSQL's own estimate of the table's rows (pg_class.reltuples, kept current by
    autovacuum), or None elsewhere and for a table never analyzed (reltuples is -1)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(queryset.model._meta.db_table)],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None or row[0] < 0:
        return None
    return int(row[0])


class RegisterPaginator(Paginator):
    """Counts as a list of a million customers can afford, on every page load.

    Unfiltered on PostgreSQL, a big table's count is the planner's estimate: an exact
    COUNT(*) reads the whole table each time. Filtered or searched, the rows are counted
    up to `count_limit` (a search matching half the register would otherwise be counted
    row by row) and a longer list shows as "1000+": narrow the search to see the rest.
    Small tables, and SQLite (which keeps no estimate), get their exact count.
    """

    # Below this many rows an exact count costs little and an estimate would show.
    estimate_above = 10_000
    count_limit = 1_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        if is_unfiltered(queryset):
            estimate = planner_estimate(queryset)
            if estimate is not None and estimate > self.estimate_above:
                return estimate
            return queryset.count()
        return self._count_up_to_limit(queryset)

    def _count_up_to_limit(self, queryset: QuerySet) -> int:
        # COUNT(*) over a subquery with LIMIT: the database stops at the limit.
        counted = queryset.order_by()[: self.count_limit + 1].count()
        if counted > self.count_limit:
            return CountAtLeast(self.count_limit)
        return counted

"""CSV columns of the consent register (`manage.py export_register consents`): for every
event, who, which purpose and text version, what, when and how (Art 7(1))."""

from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from consents.models import ConsentEvent

COLUMNS = [
    "id",
    "customer_public_id",
    "purpose",
    "text_version",
    "kind",
    "occurred_at",
    "channel",
    "method",
    "actor_id",
    "client_ip",
    "note",
    "sale_date",
    "told_at_sale",
    "similar_products",
]


def rows() -> Iterator[list[Any]]:
    events = (
        ConsentEvent.objects.order_by("occurred_at", "id")
        .values_list(
            "id",
            "customer__public_id",
            "purpose__key",
            "text__version",
            "kind",
            "occurred_at",
            "channel",
            "method",
            "actor_id",
            "client_ip",
            "note",
            "sale_date",
            "told_at_sale",
            "similar_products",
        )
        .iterator(chunk_size=2000)
    )
    for row in events:
        values = list(row)
        values[1] = str(values[1])
        # ISO 8601 with the Helsinki offset (DESIGN.md, "CSV contract").
        values[5] = timezone.localtime(values[5]).isoformat(timespec="seconds")
        values[11] = values[11].isoformat() if values[11] else ""
        yield values

"""CSV columns of the consent register (`manage.py export_register consents`): for every
event, who, which purpose and text version, what, when and how (Art 7(1)). Each column is
its header and the values_list() path it is read from (privacy.exports)."""

COLUMNS: list[tuple[str, str]] = [
    ("id", "id"),
    ("customer_public_id", "customer__public_id"),
    ("purpose", "purpose__key"),
    ("text_version", "text__version"),
    ("kind", "kind"),
    ("occurred_at", "occurred_at"),
    ("channel", "channel"),
    ("method", "method"),
    ("actor_id", "actor_id"),
    ("client_ip", "client_ip"),
    ("note", "note"),
    ("sale_date", "sale_date"),
    ("told_at_sale", "told_at_sale"),
    ("similar_products", "similar_products"),
]

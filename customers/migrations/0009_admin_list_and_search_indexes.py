"""Indexes the staff admin and the portal's account linking need at a million customers
(issue 11).

Django's `icontains` compiles to `UPPER(col) LIKE UPPER('%term%')`, which no b-tree can
serve: on PostgreSQL, trigram GIN indexes on the same expressions let the customer search
find its rows without reading the table. They and the purchase list's ordering index are
PostgreSQL's own (created here, not in the models' Meta, so SQLite and `makemigrations
--check` never see them); on SQLite these steps do nothing.
"""

from django.apps.registry import Apps
from django.contrib.postgres.operations import CreateExtension
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models.functions import Upper

# index name -> (table, indexed expression, access method and operator class)
POSTGRESQL_INDEXES = {
    # The customer search (CustomerQuerySet.search): name, email and Y-tunnus.
    "customers_customer_name_trgm": ("customers_customer", "UPPER(name) gin_trgm_ops", "gin"),
    "customers_customer_email_trgm": ("customers_customer", "UPPER(email) gin_trgm_ops", "gin"),
    "customers_customer_business_id_trgm": (
        "customers_customer",
        "UPPER(business_id) gin_trgm_ops",
        "gin",
    ),
    # The purchase list's order (Purchase.Meta.ordering), newest first.
    "customers_purchase_newest": ("customers_purchase", "purchased_on DESC, id DESC", "btree"),
}


def create_postgresql_indexes(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, expression, method) in POSTGRESQL_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING {method} ({expression})"
        )


def drop_postgresql_indexes(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in POSTGRESQL_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0008_staff_grant_approval"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(Upper("email"), name="customers_customer_email_upper"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["name", "-id"], name="customers_customer_name"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["country"], name="customers_customer_country"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["created_at"], name="customers_customer_created"),
        ),
        # A no-op on SQLite.
        CreateExtension("pg_trgm"),
        migrations.RunPython(create_postgresql_indexes, drop_postgresql_indexes),
    ]

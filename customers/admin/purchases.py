"""Admin pages for products and purchases."""

from django.contrib import admin

from customers.admin.base import AuditedAdminMixin
from customers.models import Product, Purchase


@admin.register(Product)
class ProductAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code", "owner", "active")
    list_filter = ("active", "owner")
    search_fields = ("name", "code")


@admin.register(Purchase)
class PurchaseAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = (
        "purchased_on",
        "customer",
        "product",
        "amount",
        "invoice_number",
        "purchased_by",
    )
    # No date_hierarchy: its links need MIN/MAX and a DISTINCT over every purchase.
    list_filter = ("product", "source", ("purchased_on", admin.DateFieldListFilter))
    search_fields = ("customer__name", "customer__business_id", "invoice_number")
    autocomplete_fields = ["customer", "purchased_by"]
    list_select_related = ["customer", "product", "purchased_by"]

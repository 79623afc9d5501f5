"""Customer admin (inlines, import/export, erasure, restriction); billing, authorization, social."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin

from customers import services
from customers.admin.base import (
    AuditedAdminMixin,
    FlatInlineMixin,
    IndexedValuesFilter,
    SourceFieldsMixin,
)
from customers.admin.restriction import (
    RESTRICTION_STEPS,
    _restriction_refusal,
    _restriction_service_call,
)
from customers.models import Authorization, BillingProfile, Customer, Purchase, SocialMediaProfile
from customers.resources import CustomerResource, RegisterCSV
from privacy.audit import audit_event_record
from privacy.erasure import erasure_preview
from privacy.http import client_ip
from privacy.models import AuditEvent
from privacy.services.erasure import customer_erase

# -- Inlines on the customer ---------------------------------------------------------------


class BillingProfileInline(FlatInlineMixin, admin.StackedInline):
    model = BillingProfile
    extra = 0
    related = ("customer",)
    fields = (
        ("e_invoice_address", "operator_id"),
        "invoicing_email",
        ("street_address", "postal_code", "city", "country"),
        "buyer_reference",
        ("source", "obtained_at"),
    )


class AuthorizationAsOrganizationInline(FlatInlineMixin, admin.TabularInline):
    model = Authorization
    fk_name = "organization"
    extra = 0
    related = ("person", "organization")
    verbose_name = _("authorized person")
    verbose_name_plural = _("authorized people")
    autocomplete_fields = ["person"]
    fields = ("person", "role", "valid_from", "valid_until", "granted_by", "evidence", "source")


class AuthorizationAsPersonInline(FlatInlineMixin, admin.TabularInline):
    model = Authorization
    fk_name = "person"
    extra = 0
    related = ("person", "organization")
    verbose_name = _("authorization to act for an organization")
    verbose_name_plural = _("authorizations to act for organizations")
    autocomplete_fields = ["organization"]
    fields = (
        "organization",
        "role",
        "valid_from",
        "valid_until",
        "granted_by",
        "evidence",
        "source",
    )


class PurchaseInline(FlatInlineMixin, admin.TabularInline):
    model = Purchase
    fk_name = "customer"
    extra = 0
    related = ("customer", "product", "purchased_by")
    fields = ("purchased_on", "product", "amount", "invoice_number", "purchased_by", "source")
    autocomplete_fields = ["purchased_by"]
    show_change_link = True


class SocialMediaProfileInline(admin.TabularInline):
    model = SocialMediaProfile
    extra = 0
    fields = ("platform", "handle", "url", "collected_at", "collected_from", "source")


# -- Customers -------------------------------------------------------------------------------


class CountryFilter(IndexedValuesFilter):
    """The countries on record (one index probe each), and the records without one
    (erased customers)."""

    title = _("country")
    parameter_name = "country"
    field_name = "country"


class CustomerSearchMixin:
    """Search by name, email, Y-tunnus and phone in any common writing (040 123 4567)."""

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        if not search_term.strip():
            return queryset, False
        return queryset.search(search_term), False


@admin.register(Customer)
class CustomerAdmin(CustomerSearchMixin, AuditedAdminMixin, ImportExportMixin, admin.ModelAdmin):
    resource_classes = [CustomerResource]
    formats = [RegisterCSV]
    list_display = (
        "name",
        "kind",
        "business_id",
        "email",
        "phone",
        "city",
        "language",
        "restricted",
        "source",
        "created_at",
    )
    # No date_hierarchy: its year links need MIN/MAX and a DISTINCT over every row.
    list_filter = (
        "kind",
        "restricted",
        "language",
        "source",
        CountryFilter,
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("name", "email", "business_id", "phone")
    search_help_text = _("Name, email, business ID or phone number.")
    list_per_page = 50

    def get_ordering(self, request: HttpRequest) -> tuple[str, ...] | list[str]:
        # Search results come newest first unless a column is sorted: in name order, a
        # common first name ("Juha ...") sits in one stretch of the alphabet and the name
        # index is read up to it (a second at 1M customers), while new customers match
        # evenly, so the primary key index finds a page of them in a few thousand rows.
        if request.GET.get("q", "").strip() and not request.GET.get("o"):
            return ("-pk",)
        return super().get_ordering(request)

    # Restriction is set and lifted only through customer_restrict/customer_restriction_lift
    # (Art 18: recipients are told, and lifting needs the date the person was told).
    readonly_fields = (
        "public_id",
        "vat_id",
        "user",
        "restricted",
        "restricted_at",
        "restriction_reason",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("kind", "name", ("business_id", "vat_id"), "language")}),
        (_("Contact details"), {"fields": ("email", "phone")}),
        (_("Address"), {"fields": ("street_address", ("postal_code", "city"), "country")}),
        (
            _("Restriction of processing (GDPR Art 18)"),
            {"fields": ("restricted", "restricted_at", "restriction_reason")},
        ),
        (_("Notes"), {"fields": ("notes",)}),
        SourceFieldsMixin.source_fieldset,
        (_("System"), {"fields": ("public_id", "user", "created_at", "updated_at")}),
    )
    inlines = [
        BillingProfileInline,
        AuthorizationAsOrganizationInline,
        AuthorizationAsPersonInline,
        PurchaseInline,
        SocialMediaProfileInline,
    ]

    actions = ["erase_customers", "restrict_customers", "lift_customer_restrictions"]

    @admin.display(description=_("VAT ID"))
    def vat_id(self, obj: Customer) -> str:
        return obj.vat_id or "–"

    def has_erase_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("customers.erase_customer")

    @admin.action(
        description=_("Erase through the erasure service (GDPR Art 17)"), permissions=["erase"]
    )
    def erase_customers(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:

        customers = list(queryset.filter(erased_at__isnull=True))
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                "admin/customers/customer/erase_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Erase customers"),
                    "opts": self.model._meta,
                    "items": [(c, erasure_preview(c)) for c in customers],
                    "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                    "action": "erase_customers",
                },
            )
        erased = 0
        for customer in customers:
            try:
                customer_erase(customer=customer, actor=request.user, client_ip=client_ip(request))
            except ValidationError as exc:
                messages.error(request, f"{customer}: {' '.join(exc.messages)}")
            else:
                erased += 1
        messages.success(request, _("%(count)d customer(s) erased.") % {"count": erased})
        return None

    def has_restrict_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("customers.restrict_customer")

    @admin.action(description=_("Restrict processing (GDPR Art 18)"), permissions=["restrict"])
    def restrict_customers(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._restriction_action(request, queryset, "restrict")

    @admin.action(description=_("Lift the restriction"), permissions=["restrict"])
    def lift_customer_restrictions(
        self, request: HttpRequest, queryset: QuerySet
    ) -> HttpResponse | None:
        return self._restriction_action(request, queryset, "lift-restriction")

    def _restriction_action(
        self, request: HttpRequest, queryset: QuerySet, step: str
    ) -> HttpResponse | None:
        # One customer at a time: each restriction has its own reason and request, and
        # each lifting its own day the person was told.
        customers = list(queryset[:2])
        if len(customers) != 1:
            messages.error(request, _("Select one customer at a time for this action."))
            return None
        [customer] = customers
        refusal = _restriction_refusal(customer, step)
        if refusal:
            messages.error(request, refusal)
            return None
        form_class = RESTRICTION_STEPS[step][1]
        return self._restriction_page(request, customer, step, form_class(customer=customer))

    def _restriction_page(
        self, request: HttpRequest, customer: Customer, step: str, form: forms.Form
    ) -> TemplateResponse:
        return TemplateResponse(
            request,
            "admin/customers/customer/restriction_form.html",
            {
                **self.admin_site.each_context(request),
                "title": RESTRICTION_STEPS[step][0],
                "opts": self.model._meta,
                "original": customer,
                "step": step,
                "form": form,
                "step_url": reverse(
                    f"admin:customers_customer_{step.replace('-', '_')}", args=[customer.pk]
                ),
                "change_url": reverse("admin:customers_customer_change", args=[customer.pk]),
            },
            status=400 if form.is_bound else 200,
        )

    def restriction_view(self, request: HttpRequest, object_id: str, step: str) -> HttpResponse:
        """The restriction page of one customer: GET shows the form, POST calls the
        service; bad input changes nothing and comes back with the error on its field."""
        if not self.has_restrict_permission(request):
            raise PermissionDenied
        customer = self.get_object(request, object_id)
        if customer is None:
            raise Http404("No such customer.")
        change_url = reverse("admin:customers_customer_change", args=[customer.pk])
        refusal = _restriction_refusal(customer, step)
        if refusal:
            messages.error(request, refusal)
            return HttpResponseRedirect(change_url)
        _title, form_class, error_fields, success = RESTRICTION_STEPS[step]
        if request.method != "POST":
            return self._restriction_page(request, customer, step, form_class(customer=customer))
        form = form_class(request.POST, customer=customer)
        if form.is_valid():
            try:
                _restriction_service_call(request, customer, step, form.cleaned_data)
            except ValidationError as exc:
                by_field = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
                for name, errors in by_field.items():
                    target = error_fields.get(name or "")
                    for error in errors:
                        form.add_error(target, error)
            else:
                messages.success(request, success % {"customer": customer})
                return HttpResponseRedirect(change_url)
        return self._restriction_page(request, customer, step, form)

    def get_urls(self) -> list:
        urls = [
            path(
                f"<path:object_id>/{step}/",
                self.admin_site.admin_view(self.restriction_view),
                {"step": step},
                name=f"customers_customer_{step.replace('-', '_')}",
            )
            for step in RESTRICTION_STEPS
        ]
        return [*urls, *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # Without the permission the admin would only say "no action selected": refuse
        # plainly instead, so an attempt is not mistaken for a slip.
        if (
            request.method == "POST"
            and request.POST.get("action") in ("restrict_customers", "lift_customer_restrictions")
            and not self.has_restrict_permission(request)
        ):
            raise PermissionDenied
        return super().changelist_view(request, extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "can_restrict": self.has_restrict_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Customers are only ever erased through the erasure service (Art 17).
        return False

    def get_inlines(self, request: HttpRequest, obj: Customer | None) -> list:
        if obj is None:
            # The kind is not known before saving, so the authorizations (whose side
            # depends on it) come after; billing is often entered with the customer.
            return [BillingProfileInline, SocialMediaProfileInline]
        if obj.is_organization:
            return [
                BillingProfileInline,
                AuthorizationAsOrganizationInline,
                PurchaseInline,
                SocialMediaProfileInline,
            ]
        return [
            BillingProfileInline,
            AuthorizationAsPersonInline,
            PurchaseInline,
            SocialMediaProfileInline,
        ]

    def get_import_data_kwargs(self, **kwargs: Any) -> dict:
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def process_dataset(self, dataset: Any, form: Any, request: HttpRequest, **kwargs: Any) -> Any:
        outcome = services.customers_import(
            dataset=dataset, actor=request.user, dry_run=False, client_ip=client_ip(request)
        )
        if not outcome.ok:
            for line in outcome.errors[:20]:
                messages.error(request, line)
        return outcome.result

    def process_result(self, result: Any, request: HttpRequest) -> HttpResponse:
        if result.has_errors() or result.has_validation_errors():
            # Nothing was saved (all or nothing); the errors are already in the messages.
            return HttpResponseRedirect(reverse("admin:customers_customer_import"))
        return super().process_result(result, request)

    def get_data_for_export(self, request: HttpRequest, queryset: QuerySet, **kwargs: Any) -> Any:
        data = super().get_data_for_export(request, queryset, **kwargs)
        audit_event_record(
            action=AuditEvent.Action.EXPORT,
            actor=request.user,
            object_type=Customer._meta.label_lower,
            changed_fields=list(data.headers),
            row_count=len(data),
            client_ip=client_ip(request),
        )
        return data


@admin.register(BillingProfile)
class BillingProfileAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("customer", "e_invoice_address", "operator_id", "invoicing_email", "city")
    search_fields = (
        "customer__name",
        "customer__business_id",
        "e_invoice_address",
        "invoicing_email",
    )
    list_filter = ("source",)
    autocomplete_fields = ["customer"]
    list_select_related = ["customer"]


@admin.register(Authorization)
class AuthorizationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("person", "organization", "role", "valid_from", "valid_until")
    # Newest first, by the primary key's index: the model's order (by the organization's
    # and the person's names) would sort every authorization joined to two customers on
    # each page load. The columns still sort by name on a click.
    ordering = ("-pk",)
    list_filter = ("role", "source", ("valid_from", admin.DateFieldListFilter))
    search_fields = (
        "person__name",
        "person__email",
        "organization__name",
        "organization__business_id",
    )
    autocomplete_fields = ["person", "organization"]
    list_select_related = ["person", "organization"]


@admin.register(SocialMediaProfile)
class SocialMediaProfileAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("customer", "platform", "handle", "collected_at", "collected_from")
    list_filter = ("platform", "source")
    search_fields = ("customer__name", "handle", "url")
    autocomplete_fields = ["customer"]
    list_select_related = ["customer"]

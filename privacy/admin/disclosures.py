"""Admin of the disclosure log and the Art 19 notices, each write a privacy.services call."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from privacy import registry
from privacy.admin.base import ServiceFormAdminMixin, _add_errors
from privacy.http import client_ip
from privacy.models import Disclosure, RecipientNotice
from privacy.services import disclosure_record, recipient_notice_send, recipient_notice_skip
from privacy.services.disclosures import disclosure_errors, recipient_email

# -- Disclosures ---------------------------------------------------------------------------


def _category_choices() -> list[tuple[str, str]]:
    return [(key, str(c.name)) for key, c in registry.CATEGORIES.items()]


class DisclosureForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=_("data categories"),
        choices=_category_choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Disclosure
        fields = ("recipient", "customers", "categories", "basis", "purpose", "disclosed_at")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _add_errors(
            self,
            disclosure_errors(
                customers=list(data.get("customers") or []),
                categories=list(data.get("categories") or []),
                disclosed_at=data.get("disclosed_at"),
            ),
        )
        return data


@admin.register(Disclosure)
class DisclosureAdmin(ServiceFormAdminMixin, admin.ModelAdmin):
    """The disclosure log: who received whose data (Art 19; Art 15(1)(c)). A logged
    disclosure is a record of what happened, so it is read-only once saved."""

    form = DisclosureForm
    list_display = ("disclosed_at", "recipient", "basis", "purpose", "customer_count")
    list_filter = ("recipient", "basis")
    search_fields = ("recipient__name", "purpose")
    date_hierarchy = "disclosed_at"
    autocomplete_fields = ["customers"]
    list_select_related = ["recipient"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Counted in the list's one query, not one COUNT per row.
        return super().get_queryset(request).annotate(customer_total=Count("customers"))

    @admin.display(description=_("customers"), ordering="customer_total")
    def customer_count(self, obj: Disclosure) -> int:
        return obj.customer_total

    @admin.display(description=_("data categories"))
    def category_names(self, obj: Disclosure) -> str:
        return ", ".join(
            str(registry.CATEGORIES[k].name) if k in registry.CATEGORIES else k
            for k in obj.categories
        )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return list(DisclosureForm.Meta.fields)
        return [
            "recipient",
            "customers",
            "category_names",
            "basis",
            "purpose",
            "disclosed_at",
            "disclosed_by_id",
            "created_at",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else self.get_fields(request, obj)

    def save_model(self, request: HttpRequest, obj: Disclosure, form: Any, change: bool) -> None:
        if change:
            return  # read-only once logged
        form.instance = disclosure_record(
            recipient=form.cleaned_data["recipient"],
            customers=form.cleaned_data["customers"],
            categories=form.cleaned_data["categories"],
            basis=form.cleaned_data["basis"],
            purpose=form.cleaned_data["purpose"],
            disclosed_at=form.cleaned_data["disclosed_at"],
            actor=request.user,
            client_ip=client_ip(request),
        )
        obj.pk = form.instance.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # disclosure_record linked the customers

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# -- Art 19 notices ----------------------------------------------------------------------------


class RecipientNoticeForm(forms.ModelForm):
    OUTCOMES = [
        ("email", _("Send it now by email to the recipient's contact address")),
        ("other", _("It was sent another way (say how below)")),
        ("not_sent", _("It will not be sent (give the reason below)")),
    ]
    outcome = forms.ChoiceField(label=_("outcome"), choices=OUTCOMES, widget=forms.RadioSelect)
    sent_at = forms.DateTimeField(
        label=_("sent at"),
        required=False,
        help_text=_("For a notice sent another way; empty means now."),
    )
    how = forms.CharField(
        label=_("how it was sent"),
        required=False,
        max_length=300,
        help_text=_("E.g. registered letter, or the recipient's own portal."),
    )
    reason = forms.CharField(
        label=_("reason it was not sent"), required=False, widget=forms.Textarea
    )

    class Meta:
        model = RecipientNotice
        fields: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        outcome = data.get("outcome")
        has_email = recipient_email(self.instance.recipient) is not None
        if outcome == "email" and not has_email:
            self.add_error(
                "outcome",
                _("The recipient's contact is not an email address: send it another way."),
            )
        if outcome == "other" and not (data.get("how") or "").strip():
            self.add_error("how", _("Say how the notice was sent."))
        if outcome == "not_sent" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the recipient was not told (GDPR Art 19)."))
        sent_at = data.get("sent_at")
        if sent_at and sent_at > timezone.now():
            self.add_error("sent_at", _("This time is in the future."))
        return data


@admin.register(RecipientNotice)
class RecipientNoticeAdmin(ServiceFormAdminMixin, admin.ModelAdmin):
    """Art 19 notices are created by the erasure, rectification and restriction services;
    the DPO sends each one or records why not."""

    form = RecipientNoticeForm
    list_display = ("created_at", "recipient", "kind", "status", "sent_at", "request")
    list_filter = ("status", "kind", "recipient")
    search_fields = ("=customer_public_id", "recipient__name")
    list_select_related = ["recipient", "request"]
    readonly_fields = (
        "recipient",
        "recipient_contact",
        "kind",
        "customer_public_id",
        "request",
        "category_names",
        "status",
        "sent_at_display",
        "reason_display",
        "created_at",
    )

    @admin.display(description=_("contact"))
    def recipient_contact(self, obj: RecipientNotice) -> str:
        return obj.recipient.contact or "–"

    @admin.display(description=_("data categories"))
    def category_names(self, obj: RecipientNotice) -> str:
        return ", ".join(
            str(registry.CATEGORIES[k].name) if k in registry.CATEGORIES else k
            for k in obj.categories
        )

    @admin.display(description=_("sent at"))
    def sent_at_display(self, obj: RecipientNotice) -> Any:
        return obj.sent_at or "–"

    @admin.display(description=_("note"))
    def reason_display(self, obj: RecipientNotice) -> str:
        return obj.reason or "–"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(self.readonly_fields)
        if obj is not None and obj.status == RecipientNotice.Status.PENDING:
            fields += ["outcome", "sent_at", "how", "reason"]
        return fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created by the services that change the data

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: RecipientNotice, form: Any, change: bool
    ) -> None:
        data = getattr(form, "cleaned_data", {})
        outcome = data.get("outcome")
        if outcome is None:
            return  # a closed notice: nothing to change
        if outcome == "not_sent":
            recipient_notice_skip(
                notice=obj, reason=data["reason"], actor=request.user, client_ip=client_ip(request)
            )
        else:
            recipient_notice_send(
                notice=obj,
                sent_at=data.get("sent_at") if outcome == "other" else None,
                how=data.get("how", "") if outcome == "other" else "",
                actor=request.user,
                client_ip=client_ip(request),
            )
        obj.refresh_from_db()

"""Forms of the self-service portal. Each names its fields explicitly: whatever else a POST
carries (is_staff, a customer id, another public_id) never reaches a model."""

from typing import Any

from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from customers.models import BillingProfile, Customer
from customers.services import (
    BILLING_PROFILE_FIELDS,
    ORGANIZATION_ADDRESS_FIELDS,
    SUBJECT_EDITABLE_FIELDS,
)
from privacy import registry

EXPLANATION_MAX_LENGTH = 2000


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = SUBJECT_EDITABLE_FIELDS
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "street_address": forms.TextInput(attrs={"autocomplete": "street-address"}),
            "postal_code": forms.TextInput(
                attrs={"autocomplete": "postal-code", "inputmode": "numeric"}
            ),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "country": forms.TextInput(attrs={"autocomplete": "country", "size": 2}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }


class OrganizationAddressForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ORGANIZATION_ADDRESS_FIELDS
        widgets = {
            "postal_code": forms.TextInput(attrs={"inputmode": "numeric"}),
            "country": forms.TextInput(attrs={"size": 2}),
        }


class BillingProfileForm(forms.ModelForm):
    class Meta:
        model = BillingProfile
        fields = BILLING_PROFILE_FIELDS
        widgets = {
            "postal_code": forms.TextInput(attrs={"inputmode": "numeric"}),
            "country": forms.TextInput(attrs={"size": 2}),
        }


def field_label(qualified_name: str) -> str:
    """ "customers.purchase.amount" -> "purchase: amount (EUR, incl. VAT)"."""
    label, _sep, name = qualified_name.rpartition(".")
    try:
        model = apps.get_model(label)
        return f"{model._meta.verbose_name}: {model._meta.get_field(name).verbose_name}"
    except (LookupError, ValueError):
        return qualified_name


def rectifiable_choices() -> list[tuple[str, str]]:
    """Every personal field the registry declares, named model.field: a request can only
    name data the register really holds, and names stay stable across languages."""
    return [
        (f"{decl.model}.{decl.name}", field_label(f"{decl.model}.{decl.name}"))
        for decl in registry.personal_fields()
    ]


class RectificationForm(forms.Form):
    """ "This is wrong" for data the person cannot edit themselves (Art 16)."""

    # Repeated "field" values, each a registry name such as customers.purchase.amount.
    field = forms.MultipleChoiceField(widget=forms.MultipleHiddenInput)
    explanation = forms.CharField(
        label=_("What is wrong, and what should it say?"),
        help_text=_("Our staff read this and correct the data or tell you why not."),
        max_length=EXPLANATION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = rectifiable_choices()
        self.fields["field"].error_messages["required"] = _("Choose the data that is wrong.")


class RestrictionRequestForm(forms.Form):
    details = forms.CharField(
        label=_("Why should the processing of your data be restricted?"),
        help_text=_(
            "For example: the data is wrong and you want it kept unused until it is "
            "corrected, or you have objected and want it kept unused until we answer."
        ),
        max_length=EXPLANATION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ObjectionRequestForm(forms.Form):
    details = forms.CharField(
        label=_("What do you object to? (optional)"),
        help_text=_(
            "An objection to direct marketing needs no reason: the marketing stops. For "
            "other processing based on our legitimate interest, tell us about your situation."
        ),
        max_length=EXPLANATION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ErasureRequestForm(forms.Form):
    details = forms.CharField(
        label=_("Anything you want to tell us (optional)"),
        max_length=EXPLANATION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Never pre-ticked: sending the request must be the person's explicit choice.
    confirm = forms.BooleanField(
        label=_(
            "I understand that my data will be erased as listed above, that this cannot be "
            "undone, and that my account for this service will be closed."
        ),
        required=True,
        error_messages={"required": _("Tick the box to confirm that you want your data erased.")},
    )

"""Restriction of processing (GDPR Art 18) for the customer admin: forms, steps, service calls."""

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from privacy.http import client_ip
from privacy.models import DataSubjectRequest
from privacy.services.restriction import customer_restrict, customer_restriction_lift


class RestrictForm(forms.Form):
    """What customer_restrict needs: why, and (optionally) the request that asked for it."""

    reason = forms.CharField(
        label=_("Reason for the restriction"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "E.g. the person contests the accuracy of the data, or objected and the "
            "objection is being considered (GDPR Art 18(1)). Staff see it in the banner."
        ),
    )
    data_subject_request = forms.ModelChoiceField(
        label=_("Restriction request"),
        queryset=DataSubjectRequest.objects.none(),
        required=False,
        empty_label=_("None (restricted on the DPO's own initiative)"),
        help_text=_(
            "The customer's open restriction request, if any: the Art 19 notices to "
            "recipients are tied to it, and it cannot be closed until they are sent."
        ),
    )

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["data_subject_request"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = DataSubjectRequest.objects.filter(
            customer=customer,
            kind=DataSubjectRequest.Kind.RESTRICTION,
            status__in=DataSubjectRequest.OPEN_STATUSES,
        ).order_by("-received_on", "-pk")


class RestrictionLiftForm(forms.Form):
    """Art 18(3): the day the person was told the restriction will be lifted."""

    person_told_on = forms.DateField(
        label=_("Day the person was told"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "GDPR Art 18(3): the person is told before the restriction is lifted. The day "
            "cannot be in the future or before the restriction began."
        ),
    )

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


# step slug -> (page title, form, service error field -> form field, success message)
RESTRICTION_STEPS: dict[str, tuple[Any, type[forms.Form], dict[str, str], Any]] = {
    "restrict": (
        _("Restrict processing (GDPR Art 18)"),
        RestrictForm,
        {"restriction_reason": "reason"},
        _("Processing of %(customer)s is now restricted."),
    ),
    "lift-restriction": (
        _("Lift the restriction"),
        RestrictionLiftForm,
        {"person_told_on": "person_told_on"},
        _("The restriction of %(customer)s was lifted."),
    ),
}


def _restriction_refusal(customer: Customer, step: str) -> str | None:
    """Why `step` cannot be taken for the customer now, or None."""
    if customer.erased_at is not None:
        return str(_("%(customer)s has been erased.") % {"customer": customer})
    if step == "restrict" and customer.restricted:
        return str(_("Processing of %(customer)s is already restricted.") % {"customer": customer})
    if step == "lift-restriction" and not customer.restricted:
        return str(_("Processing of %(customer)s is not restricted.") % {"customer": customer})
    return None


def _restriction_service_call(
    request: HttpRequest, customer: Customer, step: str, data: dict[str, Any]
) -> None:
    ip = client_ip(request)
    if step == "restrict":
        customer_restrict(
            customer=customer,
            reason=data["reason"],
            request=data.get("data_subject_request"),
            actor=request.user,
            client_ip=ip,
        )
    else:
        customer_restriction_lift(
            customer=customer,
            person_told_on=data["person_told_on"],
            actor=request.user,
            client_ip=ip,
        )

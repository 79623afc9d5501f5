"""Products (each with its owner, a recipient of the buyer's data) and purchases."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.fields import CleanTextMixin
from customers.models.register import Authorization, Customer, SourcedModel
from customers.vocabulary import helsinki_today


class Product(CleanTextMixin, models.Model):
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("product code"), max_length=50, unique=True)
    owner = models.ForeignKey(
        "privacy.Recipient",
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("product owner"),
        help_text=_("The company that receives purchase data to deliver the product."),
    )
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Purchase(SourcedModel):
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="purchases", verbose_name=_("customer")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="purchases", verbose_name=_("product")
    )
    purchased_on = models.DateField(_("purchase date"), default=helsinki_today)
    amount = models.DecimalField(
        _("amount (EUR, incl. VAT)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    invoice_number = models.CharField(_("invoice number"), max_length=50, blank=True)
    purchased_by = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="purchases_made",
        verbose_name=_("purchased by"),
        limit_choices_to={"kind": Customer.Kind.PERSON},
        help_text=_("The person who bought it for the organization."),
    )
    held_until = models.DateField(
        _("kept for bookkeeping until"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Restricted: kept only for the Accounting Act until this day."),
    )

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        ordering = ["-purchased_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="customers_purchase_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} – {self.product} ({self.purchased_on})"

    def clean(self) -> None:
        if not (self.customer_id and self.purchased_by_id):
            return
        buyer = self.purchased_by
        if buyer.kind != Customer.Kind.PERSON:
            raise ValidationError({"purchased_by": _("The buyer must be a person.")})
        if self.customer.kind == Customer.Kind.ORGANIZATION:
            has_right = (
                Authorization.objects.with_purchase_right(self.purchased_on)
                .filter(person=buyer, organization_id=self.customer_id)
                .exists()
            )
            if not has_right:
                message = _(
                    "This person had no purchase right for the organization on the purchase date."
                )
                raise ValidationError(
                    {"purchased_by": ValidationError(message, code="no_purchase_right")}
                )
        elif buyer.pk != self.customer_id:
            raise ValidationError(
                {"purchased_by": _("For a person's own purchase, the buyer must be that person.")}
            )

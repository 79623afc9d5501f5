"""Model fields that store Finnish formats in canonical form.

Normalising in `to_python` means `full_clean()` (run by forms, the admin and the import)
stores the canonical value and the validator sees exactly what will be stored.
"""

from typing import Any

from django.db import models

from customers import validators


class BusinessIdField(models.CharField):
    default_validators = [validators.validate_business_id]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 9)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return validators.normalize_business_id(value) if value else value


class PhoneField(models.CharField):
    default_validators = [validators.validate_phone]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return validators.normalize_phone(value) if value else value


class EInvoiceAddressField(models.CharField):
    default_validators = [validators.validate_e_invoice_address]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 35)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return validators.normalize_e_invoice_address(value) if value else value


class OperatorIdField(EInvoiceAddressField):
    default_validators = [validators.validate_operator_id]


class NormalizedEmailField(models.EmailField):
    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return validators.normalize_email(value) if value else value

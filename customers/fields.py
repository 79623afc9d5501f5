"""Model fields that store Finnish formats in canonical form.

Normalising in `to_python` means `full_clean()` (run by forms, the admin and the import)
stores the canonical value and the validator sees exactly what will be stored.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models

from customers import validators

# Room for the separators people type ("0112038 - 9", "+358 40 754 0576"): the form
# field normalises first, and the model field's own max_length then applies to what is
# stored. Without this the admin refuses tolerated input as "too long" (and the browser
# would cut it off at the stored length).
_FORM_MAX_LENGTH = 50


class NormalizingCharFormField(forms.CharField):
    """A form field that stores the canonical form, so the length check sees it too."""

    def __init__(self, *args: Any, normalize: Callable[[str], str], **kwargs: Any) -> None:
        self.normalize = normalize
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return self.normalize(value) if value else value


class _NormalizingFieldMixin:
    """Model CharFields whose input is normalised before it is validated and stored."""

    normalize: Callable[[str], str]

    def formfield(self, **kwargs: Any) -> Any:
        defaults = {
            "form_class": NormalizingCharFormField,
            "normalize": type(self).normalize,
            "max_length": max(self.max_length or 0, _FORM_MAX_LENGTH),
        }
        defaults.update(kwargs)
        return super().formfield(**defaults)  # type: ignore[misc]


class BusinessIdField(_NormalizingFieldMixin, models.CharField):
    default_validators = [validators.validate_business_id]
    normalize = staticmethod(validators.normalize_business_id)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 9)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return validators.normalize_business_id(value) if value else value


class PhoneField(_NormalizingFieldMixin, models.CharField):
    default_validators = [validators.validate_phone]
    normalize = staticmethod(validators.normalize_phone)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)
        # A valid number is at most 16 characters in E.164, so it always fits; an invalid
        # one is left as typed and would get a second, confusing "too long" message.
        self.validators[:] = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return validators.normalize_phone(value) if value else value


class EInvoiceAddressField(_NormalizingFieldMixin, models.CharField):
    default_validators = [validators.validate_e_invoice_address]
    normalize = staticmethod(validators.normalize_e_invoice_address)

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


class CountryField(models.CharField):
    """An ISO 3166-1 alpha-2 country code, stored upper-case (default FI)."""

    default_validators = [validators.validate_country_code]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 2)
        kwargs.setdefault("default", "FI")
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return validators.normalize_country(value) if value else value


class CleanTextMixin:
    """Every free-text value of the model is cleaned before it is validated: NFC, no
    invisible formatting characters (removed), no control characters (refused, naming the
    field), notes at most `validators.TEXT_MAX_LENGTH` characters. In `clean_fields`, so
    forms, the admin, the CSV import and services all get it through `full_clean()`."""

    def clean_fields(self, exclude: Any = None) -> None:
        exclude = set(exclude or ())
        errors: dict[str, list[ValidationError]] = {}
        for field in self._meta.concrete_fields:  # type: ignore[attr-defined]
            if field.name in exclude or field.choices or isinstance(field, _NormalizingFieldMixin):
                continue  # choices and Finnish formats have stricter checks of their own
            if not isinstance(field, models.CharField | models.TextField):
                continue
            value = getattr(self, field.attname)
            if not isinstance(value, str) or not value:
                continue
            multiline = isinstance(field, models.TextField)
            value = validators.clean_text(value if multiline else value.strip())
            setattr(self, field.attname, value)
            try:
                validators.validate_plain_text(value, multiline=multiline)
            except ValidationError as exc:
                errors.setdefault(field.name, []).append(exc)
                exclude.add(field.name)
        try:
            super().clean_fields(exclude=exclude)  # type: ignore[misc]
        except ValidationError as exc:
            if not errors:
                raise
            for name, found in exc.error_dict.items():
                errors.setdefault(name, []).extend(found)
        if errors:
            raise ValidationError(errors)

"""Finnish field formats: one validator per format, used by models, forms and imports.

Each `normalize_*` turns tolerated input (spaces, national phone format) into the stored
canonical form and is applied by the model field's `to_python`; each `validate_*` refuses
what is still wrong, with a message that says what is wrong.
"""

import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.fi import alv, ytunnus

_BUSINESS_ID_RE = re.compile(r"^[0-9]{7}-[0-9]$")
_POSTAL_CODE_RE = re.compile(r"^[0-9]{5}$")
_OVT_RE = re.compile(r"^0037([0-9]{8})([0-9A-Za-z]{0,5})$")
# Bank-routed (IBAN-like) and operator-specific addresses vary, so any 8-35 letters and
# digits pass, but there must be digits: a word typed into the field is no address.
_E_INVOICE_OTHER_RE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{8,30}$|^(?=.*[0-9])[0-9A-Z]{8,35}$")
_OPERATOR_SHORT_RE = re.compile(r"^[A-Z]{1,3}[0-9]{4,8}$")
_BIC_RE = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")
# A Finnish personal identity code: birth date, century sign (incl. the 2023 additions),
# individual number and check character.
_HENKILOTUNNUS_RE = re.compile(
    r"(?<![0-9])[0-3][0-9][01][0-9]{3}[-+ABCDEFUVWXY][0-9]{3}[0-9A-Y](?![0-9A-Z])"
)


def _compact(value: str) -> str:
    return "".join(value.split())


def normalize_business_id(value: str) -> str:
    """Drop whitespace and add the hyphen to an 8-digit input; leave anything else as is."""
    compact = _compact(value)
    if re.fullmatch(r"[0-9]{8}", compact):
        compact = f"{compact[:7]}-{compact[7]}"
    return compact


def validate_business_id(value: str) -> None:
    """A Y-tunnus `NNNNNNN-T` whose check digit matches (weights 7,9,10,5,8,4,2)."""
    if not value:
        return
    compact = normalize_business_id(value)
    if not _BUSINESS_ID_RE.fullmatch(compact):
        raise ValidationError(
            _("Enter a business ID (Y-tunnus) in the form 1234567-8."),
            code="business_id_format",
        )
    if not ytunnus.is_valid(compact):
        raise ValidationError(
            _("The business ID (Y-tunnus) %(value)s has a wrong check digit."),
            code="business_id_checksum",
            params={"value": compact},
        )


def vat_id_from_business_id(business_id: str) -> str:
    """The Finnish VAT id (ALV-numero): FI and the eight digits."""
    if not business_id:
        return ""
    # stdnum's alv module has no formatter; the VAT id is simply FI and the digits.
    return "FI" + alv.compact(business_id)


def normalize_e_invoice_address(value: str) -> str:
    return _compact(value).upper()


def validate_e_invoice_address(value: str) -> None:
    """An OVT code with a valid embedded Y-tunnus, or another (e.g. IBAN-like) address."""
    if not value:
        return
    compact = normalize_e_invoice_address(value)
    if compact.startswith("0037"):
        match = _OVT_RE.fullmatch(compact)
        if not match:
            raise ValidationError(
                _(
                    "An OVT e-invoice address is 0037, the 8 digits of the business ID "
                    "and at most 5 more characters (12–17 characters)."
                ),
                code="ovt_format",
            )
        digits = match.group(1)
        if not ytunnus.is_valid(f"{digits[:7]}-{digits[7]}"):
            raise ValidationError(
                _("The business ID inside the OVT e-invoice address %(value)s is not valid."),
                code="ovt_business_id",
                params={"value": compact},
            )
        return
    if not _E_INVOICE_OTHER_RE.fullmatch(compact):
        raise ValidationError(
            _("Enter an e-invoice address: an OVT code starting 0037 or a bank account (IBAN)."),
            code="e_invoice_format",
        )


def validate_operator_id(value: str) -> None:
    """An e-invoice operator (välittäjä) id: an OVT code, a short code like E204503, or a BIC."""
    if not value:
        return
    compact = normalize_e_invoice_address(value)
    if compact.startswith("0037"):
        validate_e_invoice_address(compact)
        return
    if not (_OPERATOR_SHORT_RE.fullmatch(compact) or _BIC_RE.fullmatch(compact)):
        raise ValidationError(
            _("Enter the e-invoice operator ID: an OVT code, a code like E204503, or a BIC."),
            code="operator_id_format",
        )


def validate_finnish_postal_code(value: str) -> None:
    if value and not _POSTAL_CODE_RE.fullmatch(value):
        raise ValidationError(
            _("A Finnish postal code is five digits, e.g. 00100."),
            code="postal_code_format",
        )


def normalize_country(value: str) -> str:
    return value.strip().upper()


def validate_country_code(value: str) -> None:
    """Two ASCII letters (ISO 3166-1 alpha-2), e.g. FI or SE."""
    if not (len(value) == 2 and value.isascii() and value.isalpha()):
        raise ValidationError(_("Enter a two-letter country code, e.g. FI."), code="country_format")


def normalize_phone(value: str, region: str = "FI") -> str:
    """E.164 when the number parses and is valid; otherwise the input, for the validator."""
    value = value.strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_valid_number(number):
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    if not value:
        return
    try:
        number = phonenumbers.parse(value, "FI")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("Enter a valid phone number, e.g. 040 123 4567 or +358 40 123 4567."),
            code="phone_invalid",
        )


def normalize_email(value: str) -> str:
    """Lower-case the domain; the local part is kept as given (RFC 5321)."""
    value = value.strip()
    local, sep, domain = value.rpartition("@")
    if not sep:
        return value
    return f"{local}@{domain.lower()}"


def validate_no_personal_identity_code(value: str) -> None:
    """Staff notes are shown to the customer (Art 15) and must never hold a henkilötunnus."""
    if value and _HENKILOTUNNUS_RE.search(value.upper()):
        raise ValidationError(
            _("Remove the personal identity code (henkilötunnus): notes must not contain one."),
            code="henkilotunnus",
        )


# -- Free text -------------------------------------------------------------------------------

# Invisible characters that change how text looks or reads without being seen: zero-width
# spaces and joiners, the byte order mark, and the bidirectional controls an attacker uses
# to make "txt.exe" read as "exe.txt" (Trojan Source).
_INVISIBLE = dict.fromkeys(
    [
        *(0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x061C, 0x200E, 0x200F),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)
# Control characters: never in a name or an address; notes may have line breaks and tabs.
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A longer free text than this is no note; the database would take it, the reader not.
TEXT_MAX_LENGTH = 10_000


def clean_text(value: str) -> str:
    """Text as stored: NFC (so "Jyväskylä" typed in either Unicode form is the same
    string and matches the same customer), without invisible formatting characters."""
    return unicodedata.normalize("NFC", value).translate(_INVISIBLE)


def validate_plain_text(value: str, *, multiline: bool) -> None:
    """Refuse control characters (NUL, escape sequences; line breaks where one line is
    expected, so a value cannot forge a line in a log or a CSV file)."""
    if (_CONTROL_TEXT if multiline else _CONTROL_LINE).search(value):
        if multiline:
            raise ValidationError(_("Control characters are not allowed."), code="control")
        raise ValidationError(
            _("Line breaks and control characters are not allowed here."), code="control"
        )
    if multiline and len(value) > TEXT_MAX_LENGTH:
        raise ValidationError(
            _("Ensure this text has at most %(limit)d characters (it has %(length)d).")
            % {"limit": TEXT_MAX_LENGTH, "length": len(value)},
            code="max_length",
        )

"""Retention rules, the bookkeeping holds, and their dates computed from settings.RETENTION."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Retention:
    """How long data is kept. `text` names its periods as settings.RETENTION keys
    (`%(relationship_years)s`), so the notice says what the settings enforce."""

    key: str
    text: Promise

    @property
    def description(self) -> str:
        """The rule in the active language, with the configured periods filled in."""
        values = {**settings.RETENTION, "session_hours": settings.SESSION_COOKIE_AGE // 3600}
        return str(self.text) % values


RETENTION: dict[str, Retention] = {
    r.key: r
    for r in [
        Retention(
            "relationship",
            _(
                "%(relationship_years)s years after the customer relationship ended (no purchase, valid authorization, sign-in or contact since then)"
            ),
        ),
        Retention(
            "vouchers",
            _(
                "%(voucher_years)s years from the end of the year in which the financial year ended (Accounting Act 2:10)"
            ),
        ),
        Retention(
            "books",
            _("%(book_years)s years from the end of the financial year (Accounting Act 2:10)"),
        ),
        Retention(
            "consent",
            _(
                "As long as the consent is in force; proof of the consent %(consent_evidence_years)s years after that"
            ),
        ),
        Retention("until_withdrawn", _("Until the consent is withdrawn")),
        Retention("requests", _("%(request_years)s years after the request was closed")),
        Retention(
            "audit",
            _("%(audit_years)s years; the network address in the log %(audit_address_days)s days"),
        ),
        Retention("audit_address", _("%(audit_address_days)s days")),
        Retention("account", _("As long as the user account exists")),
        Retention(
            "session",
            _("Until the session ends (at most %(session_hours)s hours) or the user signs out"),
        ),
        Retention(
            "staff_access",
            _(
                "As long as the staff member's role lasts; the account 3 years after the last role ended"
            ),
        ),
    ]
}

# Holds keep data for the bookkeeping periods only (Art 17(3)(b)); anything else is erased.
HOLD_RETENTION = frozenset({"vouchers", "books"})


# -- Retention arithmetic --------------------------------------------------------------------


def financial_year_end(on: date) -> date:
    """The last day of the financial year that contains `on` (settings.FINANCIAL_YEAR_END)."""
    month, day = settings.FINANCIAL_YEAR_END
    end = date(on.year, month, day)
    return end if on <= end else date(on.year + 1, month, day)


def voucher_hold_until(on: date) -> date:
    """Vouchers (invoices) of a transaction on `on`: 6 years from the end of the calendar
    year in which its financial year ended. FY ending 2024-12-31 -> 2030-12-31."""
    years = settings.RETENTION["voucher_years"]
    return date(financial_year_end(on).year + years, 12, 31)


def books_hold_until(on: date) -> date:
    """Books: 10 years from the end of the financial year."""
    return add_years(financial_year_end(on), settings.RETENTION["book_years"])


def add_years(day: date, years: int) -> date:
    """Same month and day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def relationship_retention_ends(last_activity: date) -> date:
    """Customer data is kept 3 years (configurable) after the relationship's last sign."""
    return add_years(last_activity, settings.RETENTION["relationship_years"])

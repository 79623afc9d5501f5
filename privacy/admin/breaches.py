"""Admin of the breach register (GDPR Art 33(5)) and its 72-hour clock."""

import copy
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from privacy.admin.base import ServiceFormAdminMixin, _add_errors
from privacy.http import client_ip
from privacy.models import Breach
from privacy.services import breach_close, breach_record, breach_update
from privacy.services.breaches import BREACH_FIELDS, breach_close_errors

REGISTERS_CSS = {"all": ["css/registers.css"]}


def breach_state(breach: Breach, now: Any = None) -> tuple[str, str]:
    """(CSS class, label) of a breach on the 72-hour clock."""
    now = now or timezone.now()
    if breach.closed_at is not None:
        return "breach-closed", str(_("Closed"))
    if breach.authority_notified_at is not None:
        return "breach-notified", str(_("Open, authority notified"))
    if breach.not_notified_reason:
        return "breach-explained", str(_("Open, not to be notified (reason recorded)"))
    if now >= breach.deadline:
        return "breach-overdue", str(_("Open, past the 72-hour deadline"))
    if now >= breach.deadline - timedelta(hours=24):
        return "breach-due-soon", str(_("Open, deadline within 24 hours"))
    return "breach-open", str(_("Open"))


class BreachForm(forms.ModelForm):
    close = forms.BooleanField(
        label=_("close the breach"),
        required=False,
        help_text=_(
            "Only once the authority was notified or the reason not to notify is recorded, "
            "and for a high risk once the people were told."
        ),
    )

    class Meta:
        model = Breach
        fields = (*BREACH_FIELDS, "authority_notified_at")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("close") and not self.errors:
            # clean() runs before the form's values are copied onto the instance: judge a
            # copy holding the values as they would be saved.
            candidate = copy.copy(self.instance)
            for name in self._meta.fields:
                if name in data:
                    setattr(candidate, name, data[name])
            _add_errors(self, breach_close_errors(candidate))
        return data


@admin.register(Breach)
class BreachAdmin(ServiceFormAdminMixin, admin.ModelAdmin):
    """The breach register (Art 33(5)): every breach is documented, notified or not."""

    form = BreachForm
    list_display = (
        "title",
        "aware_at_helsinki",
        "deadline_helsinki",
        "state",
        "high_risk",
        "authority_notified_at",
        "closed_at",
    )
    list_filter = ("high_risk", ("closed_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "nature")
    date_hierarchy = "aware_at"
    fieldsets = (
        (None, {"fields": ("title", "aware_at", "deadline_helsinki")}),
        (
            _("What happened (GDPR Art 33(3))"),
            {
                "fields": (
                    "nature",
                    "data_categories",
                    ("approx_people", "approx_records"),
                    "consequences",
                    "measures",
                )
            },
        ),
        (_("The authority (Art 33)"), {"fields": ("authority_notified_at", "not_notified_reason")}),
        (_("The people affected (Art 34)"), {"fields": ("high_risk", "people_told_at")}),
        (_("Closing"), {"fields": ("close", "closed_at")}),
    )

    class Media:
        css = REGISTERS_CSS

    @admin.display(description=_("became aware at (Helsinki)"), ordering="aware_at")
    def aware_at_helsinki(self, obj: Breach) -> str:
        return timezone.localtime(obj.aware_at).strftime("%Y-%m-%d %H:%M %Z")

    @admin.display(description=_("notify the authority by (Helsinki)"), ordering="aware_at")
    def deadline_helsinki(self, obj: Breach) -> str:
        if obj is None or obj.aware_at is None:
            return "–"
        css, _label = breach_state(obj)
        return format_html(
            '<span class="{}">{}</span>',
            css,
            timezone.localtime(obj.deadline).strftime("%Y-%m-%d %H:%M %Z"),
        )

    @admin.display(description=_("status"))
    def state(self, obj: Breach) -> str:
        css, label = breach_state(obj)
        return format_html('<span class="breach-state {}">{}</span>', css, label)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and obj.closed_at is not None:
            return [*BREACH_FIELDS, "authority_notified_at", "deadline_helsinki", "closed_at"]
        return ["deadline_helsinki", "closed_at"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        documentation = list(self.fieldsets[:-1])
        if obj is None:
            return documentation  # a new breach is recorded first, closed later
        if obj.closed_at is not None:
            return [*documentation, (_("Closing"), {"fields": ("closed_at",)})]
        return list(self.fieldsets)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # every breach stays documented (Art 33(5))

    def save_model(self, request: HttpRequest, obj: Breach, form: Any, change: bool) -> None:
        ip = client_ip(request)
        if obj.closed_at is not None and change and not form.changed_data:
            return
        if not change:
            values = {
                name: getattr(obj, name) for name in (*BREACH_FIELDS, "authority_notified_at")
            }
            obj.pk = breach_record(actor=request.user, client_ip=ip, **values).pk
            return
        changed = [name for name in form.changed_data if name != "close"]
        if changed:
            breach_update(breach=obj, changed_fields=changed, actor=request.user, client_ip=ip)
        if form.cleaned_data.get("close"):
            breach_close(breach=obj, actor=request.user, client_ip=ip)

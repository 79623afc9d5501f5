"""Helpers shared by the DPO toolkit's admin: service errors back onto the admin's forms."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect


def _add_errors(form: forms.Form, errors: dict[str, list[str]]) -> None:
    for name, messages_ in errors.items():
        for message in messages_:
            form.add_error(name if name in form.fields else None, message)


def _apply_validation_error(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        _add_errors(form, exc.message_dict)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class ServiceFormAdminMixin:
    """The admin calls save_model() only after the form is valid; a service that still
    refuses (a race, a rule the form could not see) lands back on the form as field
    errors instead of a 500."""

    def _changeform_view(
        self, request: HttpRequest, object_id: Any, form_url: str, extra_context: Any
    ) -> HttpResponse:
        try:
            return super()._changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(request.get_full_path())

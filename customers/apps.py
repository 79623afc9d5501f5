from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customer register")

    def ready(self) -> None:
        from customers import checks, signals  # noqa: F401  (deploy checks, allauth receivers)

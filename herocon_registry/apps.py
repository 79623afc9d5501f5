from django.contrib.admin.apps import AdminConfig


class HeroconAdminConfig(AdminConfig):
    default_site = "herocon_registry.admin_site.HeroconAdminSite"

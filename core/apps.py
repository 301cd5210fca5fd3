from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    default = True  # this module also declares the admin's config below
    name = "core"
    verbose_name = "Core"


class PasardesaAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "core.admin_site.PasardesaAdminSite"

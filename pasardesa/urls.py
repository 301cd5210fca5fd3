from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("", include("villages.urls")),
    path("", include("catalog.urls")),
    path("kelola/", include("catalog.dashboard_urls")),
    path("", include("orders.urls")),
    path("kelola/", include("orders.dashboard_urls")),
    path("", include("vouchers.urls")),
    path("", include("settlement.urls")),
    path("", include("transparency.urls")),
    path("akun/", include("accounts.urls")),
    path("akun/", include("allauth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", include("pasardesa.api_urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

from catalog.api import public_urls, seller_urls

app_name = "catalog_api"

urlpatterns = public_urls.urlpatterns + seller_urls.urlpatterns

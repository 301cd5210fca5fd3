from orders.api import buyer_urls, seller_urls

app_name = "orders_api"

urlpatterns = buyer_urls.urlpatterns + seller_urls.urlpatterns

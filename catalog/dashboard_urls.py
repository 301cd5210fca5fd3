"""The seller and BUMDes dashboard: products, stock, photos, CSV."""

app_name = "dashboard"

urlpatterns: list = []

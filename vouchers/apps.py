from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "vouchers"

    def ready(self) -> None:
        # The voucher becomes a payment method of checkout (orders.payments registry).
        from orders.payments import register
        from vouchers.payment import VoucherHandler

        register(VoucherHandler())

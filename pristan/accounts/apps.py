from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pristan.accounts"
    label = "accounts"

    def ready(self) -> None:
        from pristan.accounts import signals  # noqa: F401 - connects the receivers

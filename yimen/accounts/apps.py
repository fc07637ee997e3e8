from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "yimen.accounts"
    label = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self):
        # Django's auth signals are the extension point for login auditing (等保 安全审计, S11).
        from django.contrib.auth import signals

        from . import audit

        signals.user_logged_in.connect(audit.logged_in, dispatch_uid="yimen-login")
        signals.user_logged_out.connect(audit.logged_out, dispatch_uid="yimen-logout")
        signals.user_login_failed.connect(audit.login_failed, dispatch_uid="yimen-login-failed")

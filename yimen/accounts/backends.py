"""Staff login: Django's ModelBackend, with the per-request user read through `yimen.lib.rows.load`
(the same row and the same `is_active` rule, without compiling an ORM query on every request)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from yimen.lib.rows import load as load_row


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except Exception:  # noqa: BLE001 - a tampered or stale session id is no user
            return None
        user = load_row(model, pk)
        return user if user is not None and self.user_can_authenticate(user) else None

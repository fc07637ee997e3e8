"""Staff sessions: Django's database sessions, read without compiling an ORM query per request.

Every staff request reads its session; `SessionStore.load` reads the row through
`yimen.lib.rows.load` (same row, same expiry rule: a session whose `expire_date` has passed does
not exist). Writes, expiry and `clearsessions` are Django's own. SESSION_ENGINE points here.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

from yimen.lib.rows import load as load_row


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        session = load_row(self.model, self.session_key) if self.session_key else None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session

"""A center on the seeded 2026 calendar with an inquiry desk, a general window, window staff alice
and bob, a center manager, and a staff member of another center (`yimen.lib.testing.make_desk`)."""

import pytest

from yimen.hall.constants import WindowType
from yimen.lib.testing import make_desk


@pytest.fixture
def desk(calendar):
    return make_desk(WindowType.INQUIRY)

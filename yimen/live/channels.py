"""Channel names: one place, shared by publishers, pages and the live process."""


def center(center_id: int) -> str:
    """Hall displays and kiosks of a center: every call, waiting counts."""
    return f"center.{center_id}"


def window(window_id: int) -> str:
    """One window's console and its small display."""
    return f"window.{window_id}"


def ticket(token: str) -> str:
    """The citizen's live ticket page (the token is the ticket's unguessable public token)."""
    return f"ticket.{token}"

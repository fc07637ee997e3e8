"""Realtime: calls and queue changes reach hall displays, window consoles and ticket pages.

`publish(channels, event)` (in `bus`) is the one way to send; it runs after the surrounding
transaction commits (never for a rolled-back change). The live process (`yimen.live.asgi`) holds
the server-sent-event streams. See docs/realtime.md.
"""

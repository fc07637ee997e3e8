"""Yimen's settings for `evaluation_submit`'s server: every request of the load generator comes
from 127.0.0.1, so the per-address rate limit (20 a minute) is lifted; the per-token and per-pad
limits and the throttle's cache round trips stay as in production."""

from yimen.settings import *  # noqa: F403

EVALUATION_RATE_LIMITS = {"address": (10**9, 60)}

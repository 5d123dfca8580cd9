"""The Redis client used for the job queue: one that gives up in seconds."""

from __future__ import annotations


def redis_connection(url: str):
    """A Redis client that gives up in seconds: a request must not hang on a dead queue."""
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=3, socket_timeout=10)

"""Naming and opening a team log: which log of which database a URL names, the connection, and why it failed.

A URL names the database the way libpq reads it, plus one parameter of factlog's own, ``log``, the name of the log
inside that database: ``postgresql://alice@db.example.org:5432/newsroom?log=belgorod``. A URL without it opens the
log ``default``. ``log`` is taken out before connecting (libpq refuses parameters it does not know).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg

from ...errors import LogUnavailable

DEFAULT_LOG = "default"
SCHEMA = "factlog"
# A log's name: what a slug allows, plus underscores, short enough for an identifier in messages and grants.
LOG_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
CONNECT_TIMEOUT_SECONDS = 10


def split_url(url: str) -> tuple[str, str]:
    """The URL libpq should get (without ``log``) and the log's name."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = [value for key, value in query if key == "log"]
    rest = [(key, value) for key, value in query if key != "log"]
    if len(names) > 1:
        raise LogUnavailable(f"the URL {shown(url)} names more than one log")
    name = names[0] if names else DEFAULT_LOG
    if not LOG_NAME.fullmatch(name):
        raise LogUnavailable(f"{name!r} is not a log name: use lowercase letters, digits, '-' and '_' (up to 63)")
    return urlunsplit(parts._replace(query=urlencode(rest))), name


def shown(url: str) -> str:
    """The URL as messages show it: without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def connect(url: str) -> psycopg.Connection:
    """A connection in autocommit mode (transactions are explicit) whose search path is factlog's schema."""
    from .errors import connect_message

    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS,
                               options=f"-c search_path={SCHEMA}", application_name="factlog")
    except psycopg.Error as exc:
        raise LogUnavailable(connect_message(shown(url), exc)) from None

"""psycopg's errors in words for the user: what happened to the log and what to do. Each is one line."""

from __future__ import annotations

import psycopg

# SQLSTATEs raised by factlog's own triggers (schema.py)
IMMUTABLE, RECORDER, CHAIN = "FL001", "FL002", "FL003"


def connect_message(where: str, exc: psycopg.Error) -> str:
    """Why a connection to the server at ``where`` failed."""
    text = " ".join(str(exc).split())
    lowered = text.lower()
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return f"cannot open the team log {where}: the server refused the password (or none was given)"
    if "does not exist" in lowered and "database" in lowered:
        return f"cannot open the team log {where}: the database does not exist on the server (create it first)"
    if "does not exist" in lowered and "role" in lowered:
        return f"cannot open the team log {where}: the server has no such role"
    if "connection refused" in lowered or "no such file or directory" in lowered or "timeout" in lowered \
            or "could not translate host name" in lowered:
        return f"cannot reach the PostgreSQL server of {where}: is it running, and are the host and port right?"
    if "no pg_hba.conf entry" in lowered:
        return f"cannot open the team log {where}: the server does not accept this role from this machine"
    return f"cannot open the team log {where}: {text}"


def server_message(exc: BaseException) -> str | None:
    """A psycopg error met while reading or writing, in words; None when ``exc`` is not one."""
    if not isinstance(exc, psycopg.Error):
        return None
    state = getattr(exc, "sqlstate", None) or ""
    primary = getattr(getattr(exc, "diag", None), "message_primary", None) or str(exc)
    first = " ".join(str(primary).split())
    if state == RECORDER:
        return f"{first}: a team log records every event as the role that appends it; nothing was recorded"
    if state in (IMMUTABLE, CHAIN):
        return f"the server refused the change: {first}"
    if state == "42501":  # insufficient_privilege
        return (f"the server refused: {first}; the role lacks a grant the team log needs (ask the log's owner"
                " for the analyst grants); nothing was recorded")
    if isinstance(exc, psycopg.OperationalError) or state.startswith(("08", "57")):
        return ("the connection to the PostgreSQL server was lost during the command (the server stopped or"
                " restarted); a transaction that had not committed was rolled back, so nothing of it was"
                f" recorded ({first})")
    return f"database error: {first}"

"""The evidence commands: files (screenshots, PDFs, videos) attached to statements, stored inside the log by their
SHA-256 (``factlog evidence add|list|get``)."""

from __future__ import annotations

import sys
from typing import Any

import click

from .common import FactlogGroup, json_option, with_log
from .completion import complete_statements
from .record import quiet_option, report


@click.group(cls=FactlogGroup)
def evidence() -> None:
    """Files attached to statements, stored inside the log by their SHA-256.

    \b
    A file is stored once however often it is attached (content-addressed), can never be changed or removed
    (the database refuses it, as for events), and 'factlog verify' re-hashes every stored file.
    At most 100 MiB a file. 'export jsonl' carries the files inside the export, base64-encoded in records of
    their own before the first event that names each; 'import', 'push' and 'pull' bring them along.

    \b
    Example:
      factlog evidence add 7 screenshot.png --note "Butusov's post, captured 2022-04-01"
      factlog evidence list 7
      factlog evidence get 3f2a9c1e -o screenshot.png
    """


@evidence.command("add")
@click.argument("event_id", metavar="EVENT", shell_complete=complete_statements)
@click.argument("file", metavar="FILE", type=click.Path(dir_okay=True, allow_dash=False))
@click.option("--note", help="The analyst's note: what the file shows, where it came from.")
@quiet_option
@with_log(write=True)
def evidence_add(log: Any, event_id: str, file: str, note: str | None, quiet: bool) -> None:
    """Attach FILE to the statement EVENT (its seq, id or an 8+ character id prefix).

    The file's bytes go into the log, hashed as they stream, in the same transaction as the evidence-attached
    event (its SHA-256, name, media type, size, note): both or neither. The same file attached to another
    statement is stored once; attached twice to the same statement it is refused.

    \b
    Example:
      factlog evidence add 7 screenshot.png --note "Butusov's post, captured 2022-04-01"
    """
    report(log.attach_evidence(event_id, file, note), quiet)


@evidence.command("list")
@click.argument("event_id", metavar="[EVENT]", required=False, shell_complete=complete_statements)
@json_option
@with_log(write=False)
def evidence_list(log: Any, event_id: str | None, as_json: bool) -> None:
    """List the evidence attached to the statement EVENT, or to any statement.

    \b
    Example:
      factlog evidence list 7 --json
    """
    from .output import echo_json, print_table

    rows = log.evidence(event_id)
    if as_json:
        echo_json(rows)
        return
    # the hash's first 16 digits name the file to 'evidence get'; --json has all 64
    print_table(["seq", "event", "sha256", "name", "type", "bytes", "note"],
                ([r["seq"], r["event_seq"], r["sha256"][:16], r["name"], r["media_type"], f"{r['size']:,}",
                  r["note"] or ""] for r in rows),
                empty="no evidence attached")


@evidence.command("get")
@click.argument("sha256", metavar="SHA256")
@click.option("-o", "--output", metavar="FILE",
              help="Write to FILE (atomically: it appears whole or not at all) instead of stdout; - is stdout.")
@with_log(write=False)
def evidence_get(log: Any, sha256: str, output: str | None) -> None:
    """Write the stored file SHA256 (or a unique prefix of 8+ hex digits) back, byte for byte, to stdout or FILE.

    \b
    Example:
      factlog evidence get 3f2a9c1e -o screenshot.png && sha256sum screenshot.png
    """
    full = log.resolve_file(sha256)
    chunks = log.file_chunks(full)
    if output is None or output == "-":
        stdout = sys.stdout.buffer
        for chunk in chunks:
            stdout.write(chunk)
        stdout.flush()
        return
    import os

    from ..errors import InvalidInput
    from .transfer import output_file

    if os.path.exists(output) and any(os.path.exists(p) and os.path.samefile(output, p) for p in log.files()):
        raise InvalidInput(f"{output} is the log itself; write the file elsewhere")
    with output_file(output) as out:
        for chunk in chunks:
            out.write(chunk)


def register(group: click.Group) -> None:
    group.add_command(evidence)

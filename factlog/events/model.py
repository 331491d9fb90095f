"""The event classes: one frozen attrs class per type, and the validators their fields run when built.

Building an event validates it, whether it comes from the CLI, the Python API or a wire record (converter.py).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from typing import Any, ClassVar

import attrs
from attrs import field, frozen

SOURCE_KINDS = ("official", "journalist", "agency", "media", "witness", "anonymous", "document", "other")
RELIABILITY_RATINGS = "ABCDEF"
STATEMENT_TYPES = ("claim", "confirm", "deny", "decline")
PARTY_KINDS = ("state", "organization", "alliance", "group", "other")
# The analyst's verdict on a fact (DESIGN "Verdicts ..."), from true to false; ``unproven`` has no place on that
# scale (ClaimReview gives it no number).
VERDICT_RATINGS = ("true", "mostly-true", "mixed", "mostly-false", "false", "unproven")

# Upper limits a user could hit; stated in the README.
MAX_ID = 64
MAX_NAME = 500
MAX_TEXT = 20_000
MAX_URL = 2_000
MAX_ITEMS = 100

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def normalize_slug(value: str) -> str:
    """One identity for one slug: fullwidth and other compatibility forms fold to ASCII (NFKC)."""
    return unicodedata.normalize("NFKC", value)


def _slug(instance: Any, attribute: attrs.Attribute, value: str | None) -> None:
    if value is None:
        return
    if len(value) > MAX_ID or not _SLUG.fullmatch(value):
        raise ValueError(
            f"{attribute.name} {value!r} is not a slug: lowercase letters, digits and single '-', "
            f"at most {MAX_ID} characters"
        )


def _text(limit: int, required: bool = False) -> Callable[[Any, attrs.Attribute, str | None], None]:
    def check(instance: Any, attribute: attrs.Attribute, value: str | None) -> None:
        if value is None:
            return
        if required and not value.strip():
            raise ValueError(f"{attribute.name} must not be empty")
        if len(value) > limit:
            raise ValueError(f"{attribute.name} is {len(value):,} characters long; the limit is {limit:,}")

    return check


def _one_of(choices: tuple[str, ...] | str, what: str) -> Callable[[Any, attrs.Attribute, Any], None]:
    choices = tuple(choices)  # a string of letters is a set of one-letter choices, not a substring test ("AB")

    def check(instance: Any, attribute: attrs.Attribute, value: str | None) -> None:
        if value is not None and value not in choices:
            raise ValueError(f"{what} {value!r} is not one of {', '.join(choices)}")

    return check


def _credibility(instance: Any, attribute: attrs.Attribute, value: int | None) -> None:
    if value is not None and not 1 <= value <= 6:
        raise ValueError(f"credibility {value} is outside 1-6 (Admiralty information rating)")


def _slugs(instance: Any, attribute: attrs.Attribute, value: tuple[str, ...]) -> None:
    if len(value) > MAX_ITEMS:
        raise ValueError(f"{attribute.name} has {len(value)} items; the limit is {MAX_ITEMS}")
    for item in value:
        _slug(instance, attribute, item)
    if len(set(value)) != len(value):
        raise ValueError(f"{attribute.name} names the same item twice")


def _flag(instance: Any, attribute: attrs.Attribute, value: bool) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{attribute.name} must be true or false")


def _aware(instance: Any, attribute: attrs.Attribute, value: dt.datetime | None) -> None:
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{attribute.name} has no UTC offset")


@frozen(kw_only=True)
class Event:
    """The envelope every event shares. ``seq``, ``prev_hash`` and ``hash`` are set when the log appends it."""

    TYPE: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1

    id: str = field(validator=_text(MAX_ID, required=True))
    recorded_at: dt.datetime = field(validator=_aware)
    observed_at: dt.datetime = field(validator=_aware)
    recorded_by: str = field(validator=_text(MAX_NAME))
    seq: int | None = None
    prev_hash: str | None = None
    hash: str | None = None

    @property
    def type(self) -> str:
        return self.TYPE


@frozen(kw_only=True)
class SourceRegistered(Event):
    """A source (who speaks) enters the log."""

    TYPE: ClassVar[str] = "source-registered"
    source: str = field(validator=_slug)
    name: str = field(validator=_text(MAX_NAME, required=True))
    kind: str = field(default="other", validator=_one_of(SOURCE_KINDS, "kind"))
    party: str | None = field(default=None, validator=_slug)
    reliability: str | None = field(default=None, validator=_one_of(RELIABILITY_RATINGS, "reliability"))
    url: str | None = field(default=None, validator=_text(MAX_URL))


@frozen(kw_only=True)
class FactOpened(Event):
    """A proposition to track. Version 2 replaced v1's single ``party`` with the list ``parties``."""

    TYPE: ClassVar[str] = "fact-opened"
    VERSION: ClassVar[int] = 2
    fact: str = field(validator=_slug)
    statement: str = field(validator=_text(MAX_TEXT, required=True))
    parties: tuple[str, ...] = field(default=(), validator=_slugs)
    tags: tuple[str, ...] = field(default=(), validator=_slugs)
    occurred_at: dt.datetime | None = field(default=None, validator=_aware)


@frozen(kw_only=True)
class FactReworded(Event):
    """An amendment: the fact's statement is reworded; its history and statements stay."""

    TYPE: ClassVar[str] = "fact-reworded"
    fact: str = field(validator=_slug)
    statement: str = field(validator=_text(MAX_TEXT, required=True))
    reason: str | None = field(default=None, validator=_text(MAX_TEXT))


@frozen(kw_only=True)
class Statement(Event):
    """What one source said about one fact."""

    fact: str = field(validator=_slug)
    source: str = field(validator=_slug)
    quote: str | None = field(default=None, validator=_text(MAX_TEXT, required=True))
    url: str | None = field(default=None, validator=_text(MAX_URL))
    credibility: int | None = field(default=None, validator=_credibility)
    note: str | None = field(default=None, validator=_text(MAX_TEXT))
    # DESIGN "cites": the source the speaker attributes its words to. Absent from the stored data when None, so
    # the events recorded before it existed keep their bytes and hashes (OMITTED_WHEN_NONE).
    cites: str | None = field(default=None, validator=_slug)

    def __attrs_post_init__(self) -> None:
        if self.cites is not None and self.cites == self.source:
            raise ValueError(f"source {self.source!r} cannot cite itself")


@frozen(kw_only=True)
class Claim(Statement):
    """The source asserts the fact."""

    TYPE: ClassVar[str] = "claim"


@frozen(kw_only=True)
class Confirm(Statement):
    """The source asserts the fact with authority (typically the party responsible)."""

    TYPE: ClassVar[str] = "confirm"


@frozen(kw_only=True)
class Deny(Statement):
    """The source asserts the fact is false."""

    TYPE: ClassVar[str] = "deny"


@frozen(kw_only=True)
class Decline(Statement):
    """The source addressed the question and took no stance."""

    TYPE: ClassVar[str] = "decline"


@frozen(kw_only=True)
class Retract(Event):
    """The source of one earlier statement withdraws it."""

    TYPE: ClassVar[str] = "retract"
    target: str = field(validator=_text(MAX_ID, required=True))
    reason: str | None = field(default=None, validator=_text(MAX_TEXT))


# --- corrections, amendments and parties (DESIGN "Corrections, amendments and parties") -------------------


def _none_given(event: Event, names: tuple[str, ...]) -> bool:
    return all(getattr(event, name) in (None, (), False) for name in names)


@frozen(kw_only=True)
class StatementVoided(Event):
    """The analyst recorded a statement or a retraction in error: from this event on it counts nowhere.

    About the record, not the world: it has no valid time of its own, and ``--valid-at`` never filters it out."""

    TYPE: ClassVar[str] = "statement-voided"
    target: str = field(validator=_text(MAX_ID, required=True))
    reason: str = field(validator=_text(MAX_TEXT, required=True))


@frozen(kw_only=True)
class FactAmended(Event):
    """The analyst changes what the log says of a fact: its statement, parties, tags or time."""

    TYPE: ClassVar[str] = "fact-amended"
    fact: str = field(validator=_slug)
    statement: str | None = field(default=None, validator=_text(MAX_TEXT, required=True))
    add_parties: tuple[str, ...] = field(default=(), validator=_slugs)
    remove_parties: tuple[str, ...] = field(default=(), validator=_slugs)
    add_tags: tuple[str, ...] = field(default=(), validator=_slugs)
    remove_tags: tuple[str, ...] = field(default=(), validator=_slugs)
    occurred_at: dt.datetime | None = field(default=None, validator=_aware)

    def __attrs_post_init__(self) -> None:
        if _none_given(self, _FACT_CHANGES):
            raise ValueError("a fact amendment must change something: a statement, parties, tags or occurred_at")
        for added, removed in (("add_parties", "remove_parties"), ("add_tags", "remove_tags")):
            both = sorted(set(getattr(self, added)) & set(getattr(self, removed)))
            if both:
                raise ValueError(f"{', '.join(both)} is both in {added} and in {removed}")


_FACT_CHANGES = ("statement", "add_parties", "remove_parties", "add_tags", "remove_tags", "occurred_at")


@frozen(kw_only=True)
class SourceAmended(Event):
    """The analyst corrects what the log says of a source. ``no_party`` says the source speaks for no party."""

    TYPE: ClassVar[str] = "source-amended"
    source: str = field(validator=_slug)
    name: str | None = field(default=None, validator=_text(MAX_NAME, required=True))
    kind: str | None = field(default=None, validator=_one_of(SOURCE_KINDS, "kind"))
    party: str | None = field(default=None, validator=_slug)
    no_party: bool = field(default=False, validator=_flag)
    reliability: str | None = field(default=None, validator=_one_of(RELIABILITY_RATINGS, "reliability"))
    url: str | None = field(default=None, validator=_text(MAX_URL))

    def __attrs_post_init__(self) -> None:
        if self.party is not None and self.no_party:
            raise ValueError("a source amendment cannot both set a party and say no party")
        if _none_given(self, ("name", "kind", "party", "no_party", "reliability", "url")):
            raise ValueError("a source amendment must change something: name, kind, party, reliability or url")


@frozen(kw_only=True)
class PartyRegistered(Event):
    """A party (a state, organization, alliance ...) is given its display name."""

    TYPE: ClassVar[str] = "party-registered"
    party: str = field(validator=_slug)
    name: str = field(validator=_text(MAX_NAME, required=True))
    kind: str = field(default="other", validator=_one_of(PARTY_KINDS, "kind"))


@frozen(kw_only=True)
class PartyAmended(Event):
    """The analyst corrects a registered party's name or kind."""

    TYPE: ClassVar[str] = "party-amended"
    party: str = field(validator=_slug)
    name: str | None = field(default=None, validator=_text(MAX_NAME, required=True))
    kind: str | None = field(default=None, validator=_one_of(PARTY_KINDS, "kind"))

    def __attrs_post_init__(self) -> None:
        if _none_given(self, ("name", "kind")):
            raise ValueError("a party amendment must change something: name or kind")


@frozen(kw_only=True)
class SettingChanged(Event):
    """A setting of the log (publisher name, page URL pattern ...) is set, or unset with no ``value``.

    An event so that settings travel with the log; the keys and their values are checked in settings.py."""

    TYPE: ClassVar[str] = "setting-changed"
    key: str = field(validator=_text(MAX_ID * 2, required=True))
    value: str | None = field(default=None, validator=_text(MAX_URL))

    def __attrs_post_init__(self) -> None:
        from .settings import check

        check(self.key, self.value)


# --- verdicts (DESIGN "Verdicts, provenance, track records and evidence") ----------------------------------


@frozen(kw_only=True)
class VerdictGiven(Event):
    """The analyst's own finding on a fact, what a fact-checker publishes. ``observed_at`` is when it was given
    (valid time): the latest verdict that stands (not voided) counts. It never changes status or label."""

    TYPE: ClassVar[str] = "verdict-given"
    fact: str = field(validator=_slug)
    rating: str = field(validator=_one_of(VERDICT_RATINGS, "rating"))
    basis: str = field(validator=_text(MAX_TEXT, required=True))


# --- evidence files (DESIGN "Verdicts, provenance, track records and evidence") -------------------------

# The largest evidence file the log takes (stated in the README): the log is one file, copied whole by push,
# pull and every jsonl export; a video larger than this belongs elsewhere, with its hash in a note.
MAX_EVIDENCE_BYTES = 100 * 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")


def _sha256(instance: Any, attribute: attrs.Attribute, value: str) -> None:
    if not _SHA256.fullmatch(value):
        raise ValueError(f"{attribute.name} {value[:80]!r} is not a SHA-256 in hex (64 lowercase hex digits)")


def _media_type(instance: Any, attribute: attrs.Attribute, value: str) -> None:
    if len(value) > MAX_ID * 2 or not _MEDIA_TYPE.fullmatch(value):
        raise ValueError(f"media_type {value[:80]!r} is not a media type such as image/png")


def _size(instance: Any, attribute: attrs.Attribute, value: int) -> None:
    if not 0 <= value <= MAX_EVIDENCE_BYTES:
        raise ValueError(f"size {value:,} is outside 0-{MAX_EVIDENCE_BYTES:,} bytes (the limit of an evidence file)")


@frozen(kw_only=True)
class EvidenceAttached(Event):
    """A file (screenshot, PDF, video) attached to a statement; its bytes are stored in the log by ``sha256``
    (content-addressed, once however many events name them), the event holds the hash and what the file was."""

    TYPE: ClassVar[str] = "evidence-attached"
    target: str = field(validator=_text(MAX_ID, required=True))
    sha256: str = field(validator=_sha256)
    name: str = field(validator=_text(MAX_NAME, required=True))
    media_type: str = field(validator=_media_type)
    size: int = field(validator=_size)
    note: str | None = field(default=None, validator=_text(MAX_TEXT))


EVENT_CLASSES: dict[str, type[Event]] = {
    cls.TYPE: cls for cls in (SourceRegistered, FactOpened, FactReworded, Claim, Confirm, Deny, Decline, Retract,
                              StatementVoided, FactAmended, SourceAmended, PartyRegistered, PartyAmended,
                              SettingChanged)
}
EVENT_CLASSES[VerdictGiven.TYPE] = VerdictGiven
EVENT_CLASSES[EvidenceAttached.TYPE] = EvidenceAttached  # issue 16, kept apart so merges stay mechanical
# The types issue 12 added: the analyst's corrections, amendments and party registrations.
CORRECTION_TYPES = ("statement-voided", "fact-amended", "source-amended", "party-registered", "party-amended")
ENVELOPE_FIELDS = tuple(a.name for a in attrs.fields(Event))
POSITION_FIELDS = ("seq", "prev_hash", "hash")
# Optional data fields added after events were stored: a wire record leaves them out when they are None, so an
# event written before they existed is written (and hashed) byte for byte as it was.
OMITTED_WHEN_NONE = frozenset({"cites"})


def data_fields(cls: type[Event]) -> tuple[str, ...]:
    """The fields of ``cls`` that travel under ``data`` in a wire record, in declaration order."""
    return tuple(a.name for a in attrs.fields(cls) if a.name not in ENVELOPE_FIELDS)

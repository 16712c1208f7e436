"""engram's export format (JSON Lines, versioned), free of I/O: lines in, records out.

A file is one JSON object per line::

    {"format": "engram-export", "version": 1, "created_at": ..., "engram": "0.1.0",
     "embedder": {"name": "onnx:all-MiniLM-L6-v2", "dimension": 384},
     "vectors": "float32-le-base64" | null, "scope": {"user_id": "alice"}}
    {"type": "memory", "id": ..., "memory": ..., "hash": ..., "metadata": {...},
     "created_at": ..., "updated_at": ..., "valid_at": ..., "invalid_at": ...,
     "user_id": ..., "agent_id": ..., "run_id": ..., "actor_id": ..., "role": ...,
     "memory_type": ..., "vector": "<base64>"?}
    {"type": "history", "id": ..., "memory_id": ..., "old_memory": ..., "new_memory": ...,
     "event": ..., "created_at": ..., "updated_at": ..., "is_deleted": ..., "actor_id": ...,
     "role": ...}
    {"type": "entity", "id": ..., "name": ..., "entity_type": ..., "created_at": ...,
     "updated_at": ..., "user_id": ..., "agent_id": ..., "run_id": ..., "vector": "<base64>"?}
    {"type": "relation", "id": ..., "source_id": ..., "source": ..., "relationship": ...,
     "destination_id": ..., "destination": ..., "created_at": ..., "updated_at": ...,
     "valid_at": ..., "invalid_at": ..., "memory_ids": [...], "user_id": ..., "agent_id": ...,
     "run_id": ...}
    {"type": "end", "memories": N, "history": N, "entities": N, "relations": N,
     "checksum": "sha256:<hex>"}

Memories come first, then history rows, entities and relations, each in commit order, so a
relation follows its endpoints and the memories that support it. Every key of a data line is
always present (null when unset) except ``vector``; data lines are written with sorted keys.
The checksum is a SHA-256 over the data lines in file order, each as canonical JSON (sorted
keys, no spaces, UTF-8) without its ``vector``, followed by a newline: an export with vectors
and one without have the same checksum, and so do a store and the store it was imported into.
A reader accepts any version up to ``VERSION`` and ignores keys it does not know. Version 1
reserved the graph lines without defining them (its writers wrote none): a reader skips graph
lines of a version 1 file. Version 2 defines them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engram.core.graph.records import EntityRecord, RelationRecord
from engram.core.limits import CEILINGS, check_str
from engram.core.records import HistoryRecord, MemoryRecord, text_hash
from engram.core.timeutil import parse_timestamp
from engram.core.validation import check_metadata
from engram.embedders.base import Vectors
from engram.exceptions import ValidationError

FORMAT = "engram-export"
VERSION = 2
#: The first version whose graph lines (entities, relations) carry the graph.
GRAPH_SINCE = 2
VECTOR_ENCODING = "float32-le-base64"
#: The graph's line types.
GRAPH_TYPES = ("entity", "relation")
#: Line types a reader of this version knows.
DATA_TYPES = ("memory", "history", "entity", "relation")
_PLURAL = dict(zip(DATA_TYPES, ("memories", "history", "entities", "relations"), strict=True))
_EVENTS = ("ADD", "UPDATE", "DELETE", "NONE")
#: The stored time format (``timeutil.to_iso``): such a value needs no parsing.
_STORED_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00")
_OPTIONAL_TEXT = ("user_id", "agent_id", "run_id", "actor_id", "role", "memory_type")
#: Fields holding a memory's text (the others are ids, names and times).
_LONG_TEXT = ("memory", "old_memory", "new_memory")


def header(
    *,
    created_at: str,
    engram_version: str,
    embedder: tuple[str, int],
    with_vectors: bool,
    scope: Mapping[str, str],
) -> dict[str, Any]:
    """The first line of an export."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "created_at": created_at,
        "engram": engram_version,
        "embedder": {"name": embedder[0], "dimension": embedder[1]},
        "vectors": VECTOR_ENCODING if with_vectors else None,
        "scope": dict(scope),
    }


def memory_line(record: MemoryRecord, vector: Vectors | None = None) -> dict[str, Any]:
    """A memory as an export line; with its vector when given."""
    line: dict[str, Any] = {
        "type": "memory",
        "id": record.id,
        "memory": record.text,
        "hash": record.hash,
        "metadata": record.metadata,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "valid_at": record.valid_at,
        "invalid_at": record.invalid_at,
        "user_id": record.user_id,
        "agent_id": record.agent_id,
        "run_id": record.run_id,
        "actor_id": record.actor_id,
        "role": record.role,
        "memory_type": record.memory_type,
    }
    if vector is not None:
        line["vector"] = _encode_vector(vector)
    return line


def entity_line(record: EntityRecord, vector: Vectors | None = None) -> dict[str, Any]:
    """An entity as an export line; with its name vector when given."""
    line: dict[str, Any] = {
        "type": "entity",
        "id": record.id,
        "name": record.name,
        "entity_type": record.type,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "user_id": record.user_id,
        "agent_id": record.agent_id,
        "run_id": record.run_id,
    }
    if vector is not None:
        line["vector"] = _encode_vector(vector)
    return line


def relation_line(record: RelationRecord) -> dict[str, Any]:
    """A relation as an export line: its endpoints by id and name, its time, its support."""
    return {
        "type": "relation",
        "id": record.id,
        "source_id": record.source_id,
        "source": record.source,
        "relationship": record.relationship,
        "destination_id": record.destination_id,
        "destination": record.destination,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "valid_at": record.valid_at,
        "invalid_at": record.invalid_at,
        "memory_ids": sorted(record.memory_ids),
        "user_id": record.user_id,
        "agent_id": record.agent_id,
        "run_id": record.run_id,
    }


def _encode_vector(vector: Vectors) -> str:
    data = np.ascontiguousarray(vector, dtype="<f4").tobytes()
    return base64.b64encode(data).decode("ascii")


def history_line(record: HistoryRecord) -> dict[str, Any]:
    """A history row as an export line."""
    return {
        "type": "history",
        "id": record.id,
        "memory_id": record.memory_id,
        "old_memory": record.old_memory,
        "new_memory": record.new_memory,
        "event": record.event,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "is_deleted": record.is_deleted,
        "actor_id": record.actor_id,
        "role": record.role,
    }


def dumps(line: Mapping[str, Any]) -> str:
    """One line of the file (no newline): compact JSON, UTF-8 kept as is."""
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


def canonical(line: Mapping[str, Any]) -> str:
    """What the checksum reads of a data line: sorted keys, no spaces, no ``vector``."""
    body = {k: v for k, v in line.items() if k != "vector"} if "vector" in line else line
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def encode(line: Mapping[str, Any], tally: Tally) -> str:
    """A data line as written (canonical, its vector last: "vector" sorts after every other
    key), folded into ``tally`` on the way; one JSON encoding per line."""
    text = canonical(line)
    tally.add_canonical(line["type"], text)
    vector = line.get("vector")
    return text if vector is None else f'{text[:-1]},"vector":"{vector}"}}'


@dataclass
class Tally:
    """Counts and the running checksum of the data lines of one file."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DATA_TYPES, 0))
    _sha: Any = field(default_factory=hashlib.sha256)

    def add(self, line: Mapping[str, Any]) -> None:
        """Count ``line`` and fold it into the checksum."""
        self.add_canonical(line["type"], canonical(line))

    def add_canonical(self, kind: str, text: str) -> None:
        """Count a line of type ``kind`` whose canonical form is ``text``."""
        self.counts[kind] += 1
        self._sha.update(text.encode("utf-8") + b"\n")

    @property
    def checksum(self) -> str:
        """``sha256:<hex>`` of the lines added so far."""
        return f"sha256:{self._sha.hexdigest()}"

    def totals(self) -> dict[str, int]:
        """The counts as the end line names them: memories, history, entities, relations."""
        return {_PLURAL[kind]: n for kind, n in self.counts.items()}

    def end_line(self) -> dict[str, Any]:
        """The last line of an export: the counts and the checksum."""
        return {"type": "end", **self.totals(), "checksum": self.checksum}

    def matches(self, end: Mapping[str, Any]) -> bool:
        """Whether an end line agrees with what was read."""
        return all(end.get(key) == n for key, n in self.totals().items()) and (
            end.get("checksum") == self.checksum
        )


def check_header(line: object) -> dict[str, Any]:
    """Validate the first line of a file; it is returned as is.

    Raises:
        ValidationError: not an engram export, or a newer version than this reader knows.
    """
    if not isinstance(line, dict) or line.get("format") != FORMAT:
        raise ValidationError(
            "line 1 is not an engram export header",
            field="line 1",
            expected=f'{{"format": "{FORMAT}", "version": {VERSION}, ...}}',
            suggestion="pass a file written by `engram export`, or use --from-mem0 for a mem0 "
            "store",
        )
    version = line.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= VERSION:
        raise ValidationError(
            f"export format version {version!r} is not one this engram reads (1..{VERSION})",
            field="version",
            value=version,
            expected=f"1..{VERSION}",
            suggestion="upgrade engram to read files written by a newer one",
        )
    embedder = line.get("embedder")
    if not (
        isinstance(embedder, dict)
        and isinstance(embedder.get("name"), str)
        and isinstance(embedder.get("dimension"), int)
    ):
        raise ValidationError(
            "the header's embedder must be {name, dimension}",
            field="embedder",
            value=embedder,
            expected='{"name": str, "dimension": int}',
        )
    return line


def parse_memory(line: Mapping[str, Any], where: str) -> tuple[MemoryRecord, Vectors | None]:
    """A memory line as a record (times normalised to UTC) and its vector, if it has one.

    Raises:
        ValidationError: a field is missing or of the wrong type; ``where`` names the line.
    """
    text = _text(line, "memory", where)
    _required(line, "created_at", where)
    created = _time(line, "created_at", where) or ""
    record = MemoryRecord(
        id=_text(line, "id", where),
        text=text,
        hash=_optional_text(line, "hash", where) or text_hash(text),
        created_at=created,
        updated_at=_time(line, "updated_at", where) or created,
        metadata=check_metadata(line.get("metadata") or {}, f"{where}: metadata"),
        valid_at=_time(line, "valid_at", where),
        invalid_at=_time(line, "invalid_at", where),
        **{key: _optional_text(line, key, where) for key in _OPTIONAL_TEXT},
    )
    return record, _vector(line, where)


def parse_entity(line: Mapping[str, Any], where: str) -> tuple[EntityRecord, Vectors | None]:
    """An entity line as a record (times normalised to UTC) and its vector, if it has one.

    Raises:
        ValidationError: a field is missing or of the wrong type; ``where`` names the line.
    """
    _required(line, "created_at", where)
    created = _time(line, "created_at", where) or ""
    record = EntityRecord(
        id=_text(line, "id", where),
        name=_text(line, "name", where),
        type=_optional_text(line, "entity_type", where) or "thing",
        created_at=created,
        updated_at=_time(line, "updated_at", where) or created,
        **_scope(line, where),
    )
    return record, _vector(line, where)


def parse_relation(line: Mapping[str, Any], where: str) -> RelationRecord:
    """A relation line as a record (times normalised to UTC; endpoint types are the
    entities', not the line's).

    Raises:
        ValidationError: a field is missing or of the wrong type; ``where`` names the line.
    """
    _required(line, "created_at", where)
    created = _time(line, "created_at", where) or ""
    support = line.get("memory_ids")
    if not isinstance(support, list) or not all(isinstance(m, str) and m for m in support):
        raise ValidationError(
            f"{where}: memory_ids must be a list of memory ids",
            field=f"{where}: memory_ids",
            value=support,
            expected="a list of non-empty strings",
        )
    return RelationRecord(
        id=_text(line, "id", where),
        source_id=_text(line, "source_id", where),
        source=_text(line, "source", where),
        source_type="",
        relationship=_text(line, "relationship", where),
        destination_id=_text(line, "destination_id", where),
        destination=_text(line, "destination", where),
        destination_type="",
        created_at=created,
        updated_at=_time(line, "updated_at", where) or created,
        valid_at=_time(line, "valid_at", where),
        invalid_at=_time(line, "invalid_at", where),
        memory_ids=tuple(sorted({_storable(m, "memory_ids", where) for m in support})),
        user_id=_optional_text(line, "user_id", where),
        agent_id=_optional_text(line, "agent_id", where),
        run_id=_optional_text(line, "run_id", where),
    )


def _scope(line: Mapping[str, Any], where: str) -> dict[str, str | None]:
    return {key: _optional_text(line, key, where) for key in ("user_id", "agent_id", "run_id")}


def _vector(line: Mapping[str, Any], where: str) -> Vectors | None:
    encoded = line.get("vector")
    if encoded is None:
        return None
    try:
        vector = np.frombuffer(base64.b64decode(encoded, validate=True), dtype="<f4")
    except (TypeError, ValueError) as e:
        raise ValidationError(
            f"{where}: vector is not base64 of little-endian float32",
            field=f"{where}: vector",
            expected=VECTOR_ENCODING,
        ) from e
    if not np.isfinite(vector).all():
        raise ValidationError(
            f"{where}: vector holds NaN or infinite numbers",
            field=f"{where}: vector",
            expected="finite float32 numbers",
        )
    return vector.astype(np.float32)


def parse_history(line: Mapping[str, Any], where: str) -> HistoryRecord:
    """A history line as a record (times normalised to UTC).

    Raises:
        ValidationError: a field is missing or of the wrong type; ``where`` names the line.
    """
    event = line.get("event")
    if event not in _EVENTS:
        raise ValidationError(
            f"{where}: event must be one of {', '.join(_EVENTS)}",
            field=f"{where}: event",
            value=event,
            expected=" | ".join(_EVENTS),
        )
    _required(line, "created_at", where)
    created = _time(line, "created_at", where) or ""
    deleted = line.get("is_deleted", False)
    if not isinstance(deleted, bool | int):
        raise ValidationError(
            f"{where}: is_deleted must be a boolean",
            field=f"{where}: is_deleted",
            value=deleted,
            expected="true or false",
        )
    return HistoryRecord(
        id=_text(line, "id", where),
        memory_id=_text(line, "memory_id", where),
        old_memory=_optional_text(line, "old_memory", where),
        new_memory=_optional_text(line, "new_memory", where),
        event=event,
        created_at=created,
        updated_at=_time(line, "updated_at", where) or created,
        is_deleted=bool(deleted),
        actor_id=_optional_text(line, "actor_id", where),
        role=_optional_text(line, "role", where),
    )


def _required(line: Mapping[str, Any], key: str, where: str) -> Any:
    value = line.get(key)
    if value is None:
        raise ValidationError(
            f"{where}: {key} is missing", field=f"{where}: {key}", expected="a value"
        )
    return value


def _text(line: Mapping[str, Any], key: str, where: str) -> str:
    value = _required(line, key, where)
    if not isinstance(value, str) or not value:
        raise ValidationError(
            f"{where}: {key} must be a non-empty string",
            field=f"{where}: {key}",
            value=value,
            expected="a non-empty string",
        )
    return _storable(value, key, where)


def _optional_text(line: Mapping[str, Any], key: str, where: str) -> str | None:
    value = line.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(
            f"{where}: {key} must be a string or null",
            field=f"{where}: {key}",
            value=value,
            expected="a string or null",
        )
    return _storable(value, key, where)


def _storable(value: str, key: str, where: str) -> str:
    """Text every store can keep (valid Unicode, no NUL), within the limits' ceilings (a file
    exported under raised limits still imports)."""
    ceiling = CEILINGS["max_text_chars"] if key in _LONG_TEXT else CEILINGS["max_id_chars"]
    return check_str(value, f"{where}: {key}", ceiling)


def _time(line: Mapping[str, Any], key: str, where: str) -> str | None:
    value = line.get(key)
    if value is None:
        return None
    if isinstance(value, str) and _STORED_TIME.fullmatch(value):
        return value  # already what parse_timestamp would return
    return parse_timestamp(value, f"{where}: {key}")

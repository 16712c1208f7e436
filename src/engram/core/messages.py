"""Normalising what callers pass to ``add``: a str, a message dict, or a list of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engram.core.limits import DEFAULT_LIMITS, Limits, check_str
from engram.exceptions import ValidationError

_EXPECTED = "a string, a message dict {'role', 'content'} or a list of them (or of strings)"


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message: its role, its text, and the speaker's name if given."""

    role: str
    content: str
    name: str | None = None
    images: tuple[str, ...] = ()


def parse_messages(messages: object, limits: Limits = DEFAULT_LIMITS) -> list[Message]:
    """Turn ``messages`` into a list of Message, rejecting anything malformed or too large.

    Sizes are checked before any text is read: ``max_messages`` messages (and content parts
    per message), ``max_text_chars`` per text, ``max_add_chars`` in all.
    """
    if isinstance(messages, str):
        check_str(messages, "messages", limits.max_text_chars)
        if not messages.strip():
            raise ValidationError(
                "messages must not be empty", field="messages", value=messages, expected=_EXPECTED
            )
        return [Message(role="user", content=messages)]
    if isinstance(messages, Mapping):
        return [_parse_one(messages, "messages", limits)]
    if isinstance(messages, Sequence) and not isinstance(messages, bytes | bytearray):
        if not messages:
            raise ValidationError(
                "messages must not be an empty list",
                field="messages",
                value=messages,
                expected=_EXPECTED,
            )
        if len(messages) > limits.max_messages:
            raise ValidationError(
                f"messages holds {len(messages)} messages, at most {limits.max_messages} "
                "allowed in one add",
                field="messages",
                value=messages,
                expected=f"at most {limits.max_messages} messages",
                suggestion="add them in several calls",
            )
        parsed: list[Message] = []
        total = 0
        for i, item in enumerate(messages):
            message = _parse_one(item, f"messages[{i}]", limits)
            total += len(message.content)
            if total > limits.max_add_chars:
                raise ValidationError(
                    f"messages hold more than {limits.max_add_chars} characters in all",
                    field="messages",
                    value=messages,
                    expected=f"at most {limits.max_add_chars} characters in one add",
                    suggestion="add them in several calls",
                )
            parsed.append(message)
        return parsed
    raise ValidationError(
        f"messages must be {_EXPECTED}, got {type(messages).__name__}",
        field="messages",
        value=messages,
        expected=_EXPECTED,
    )


def _parse_one(item: object, field: str, limits: Limits) -> Message:
    if isinstance(item, str):  # a list of strings is a list of the user's messages
        return _parse_one({"role": "user", "content": item}, field, limits)
    if not isinstance(item, Mapping):
        raise ValidationError(
            f"{field} must be a dict with 'role' and 'content', got {type(item).__name__}",
            field=field,
            value=item,
            expected="{'role': str, 'content': str}",
        )
    role = item.get("role", "user")
    if isinstance(role, str):
        check_str(role, f"{field}.role", limits.max_id_chars)
    if not isinstance(role, str) or not role:
        raise ValidationError(
            f"{field}.role must be a non-empty string",
            field=f"{field}.role",
            value=role,
            expected="'user', 'assistant', 'system' or another role name",
        )
    name = item.get("name")
    if isinstance(name, str):
        check_str(name, f"{field}.name", limits.max_id_chars)
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ValidationError(
            f"{field}.name must be a non-empty string",
            field=f"{field}.name",
            value=name,
            expected="the speaker's name",
        )
    if "content" not in item:
        raise ValidationError(
            f"{field} has no 'content'", field=f"{field}.content", expected="a string"
        )
    text, images = _content(item["content"], f"{field}.content", limits)
    if not text.strip() and not images:
        raise ValidationError(
            f"{field}.content must not be empty",
            field=f"{field}.content",
            value=item["content"],
            expected="a non-empty string",
        )
    return Message(role=role, content=text, name=name, images=images)


def _content(content: Any, field: str, limits: Limits) -> tuple[str, tuple[str, ...]]:
    """Text and image URLs of a content value: a str, one part, or a list of parts."""
    if isinstance(content, str):
        return check_str(content, field, limits.max_text_chars), ()
    parts = [content] if isinstance(content, Mapping) else content
    if not isinstance(parts, Sequence) or isinstance(parts, bytes | bytearray):
        raise ValidationError(
            f"{field} must be a string or a list of content parts, got {type(content).__name__}",
            field=field,
            value=content,
            expected="a string or [{'type': 'text', 'text': ...}]",
        )
    if len(parts) > limits.max_messages:
        raise ValidationError(
            f"{field} holds {len(parts)} parts, at most {limits.max_messages} allowed",
            field=field,
            value=content,
            expected=f"at most {limits.max_messages} content parts",
        )
    texts: list[str] = []
    images: list[str] = []
    length = 0
    for i, part in enumerate(parts):
        where = f"{field}[{i}]"
        if isinstance(part, str):
            texts.append(check_str(part, where, limits.max_text_chars))
            length += len(part)
        else:
            kind = part.get("type") if isinstance(part, Mapping) else None
            if kind == "text" and isinstance(part.get("text"), str):
                texts.append(check_str(part["text"], f"{where}.text", limits.max_text_chars))
                length += len(part["text"])
            elif kind == "image_url":
                images.append(_image_url(part, where, limits))
            else:
                raise ValidationError(
                    f"{where} must be a text or image_url part",
                    field=where,
                    value=part,
                    expected="{'type': 'text', 'text': str} or "
                    "{'type': 'image_url', 'image_url': ...}",
                )
        if length > limits.max_text_chars:
            raise ValidationError(
                f"{field} is too long: more than {limits.max_text_chars} characters of text",
                field=field,
                value=content,
                expected=f"at most {limits.max_text_chars} characters",
            )
    return "\n".join(t for t in texts if t.strip()), tuple(images)


def _image_url(part: Any, field: str, limits: Limits) -> str:
    value = part.get("image_url")
    url = value.get("url") if isinstance(value, Mapping) else value
    if isinstance(url, str):
        check_str(url, f"{field}.image_url", limits.max_image_url_chars, "a URL")
    if not isinstance(url, str) or not url.startswith(("http://", "https://", "data:image/")):
        raise ValidationError(
            f"{field}.image_url must be an http(s) URL or a data URI",
            field=f"{field}.image_url",
            value=url,
            expected="'https://...' or 'data:image/...;base64,...'",
        )
    return url

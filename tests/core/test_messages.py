"""Normalising what callers pass to ``add``: strings, message dicts, lists and content parts."""

from __future__ import annotations

from typing import Any

import pytest

from engram.core.messages import Message, parse_messages
from engram.exceptions import ValidationError

PNG = "data:image/png;base64,iVBORw0KGgo="


def field_of_error(messages: Any) -> str | None:
    """Parse and return the ``field`` of the ValidationError raised."""
    with pytest.raises(ValidationError) as info:
        parse_messages(messages)
    assert info.value.expected
    return info.value.field


def test_a_string_is_one_user_message() -> None:
    assert parse_messages("I like coffee.") == [Message(role="user", content="I like coffee.")]


def test_a_dict_is_one_message() -> None:
    assert parse_messages({"role": "assistant", "content": "Noted."}) == [
        Message(role="assistant", content="Noted.")
    ]


def test_role_defaults_to_user() -> None:
    [message] = parse_messages({"content": "no role given"})
    assert message.role == "user"


def test_a_list_keeps_order_roles_and_names() -> None:
    parsed = parse_messages(
        [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "I live in Paris.", "name": "alice"},
            {"role": "assistant", "content": "Lovely."},
            {"role": "tool", "content": "ok"},
        ]
    )
    assert [(m.role, m.content, m.name) for m in parsed] == [
        ("system", "Be brief.", None),
        ("user", "I live in Paris.", "alice"),
        ("assistant", "Lovely.", None),
        ("tool", "ok", None),
    ]


def test_a_tuple_of_messages_is_accepted() -> None:
    parsed = parse_messages(({"content": "a"}, {"content": "b"}))
    assert [m.content for m in parsed] == ["a", "b"]


def test_text_parts_are_joined_skipping_blank_ones() -> None:
    [message] = parse_messages(
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "First part."},
                {"type": "text", "text": "   "},
                "Second part.",
                {"type": "text", "text": "Third part."},
            ],
        }
    )
    assert message.content == "First part.\nSecond part.\nThird part."
    assert message.images == ()


def test_a_single_content_part_dict_is_accepted() -> None:
    [message] = parse_messages({"content": {"type": "text", "text": "just one"}})
    assert message.content == "just one"


@pytest.mark.parametrize(
    "image",
    [
        {"url": "https://example.com/cat.png"},
        "http://example.com/cat.png",
        {"url": PNG},
    ],
)
def test_image_parts_with_http_or_data_urls_are_kept(image: Any) -> None:
    [message] = parse_messages(
        {"content": [{"type": "text", "text": "Look:"}, {"type": "image_url", "image_url": image}]}
    )
    assert message.content == "Look:"
    url = image["url"] if isinstance(image, dict) else image
    assert message.images == (url,)


def test_an_image_alone_is_enough_content() -> None:
    [message] = parse_messages(
        {"content": [{"type": "image_url", "image_url": {"url": "https://x.org/a.jpg"}},
                     {"type": "image_url", "image_url": PNG}]}
    )  # fmt: skip
    assert message.content == ""
    assert message.images == ("https://x.org/a.jpg", PNG)


@pytest.mark.parametrize(
    "image",
    [
        {"url": "ftp://example.com/cat.png"},
        "/home/me/cat.png",
        "javascript:alert(1)",
        {"url": None},
        {},
        None,
        42,
    ],
)
def test_a_bad_image_url_is_rejected(image: Any) -> None:
    messages = [
        {"content": "fine"},
        {"content": [{"type": "text", "text": "x"}, {"type": "image_url", "image_url": image}]},
    ]
    assert field_of_error(messages) == "messages[1].content[1].image_url"


@pytest.mark.parametrize(
    ("messages", "field"),
    [
        ("", "messages"),
        ("   \n", "messages"),
        ([], "messages"),
        (b"bytes are not text", "messages"),
        (bytearray(b"nor is this"), "messages"),
        (42, "messages"),
        (None, "messages"),
        ({"not", "a", "list"}, "messages"),
        ([{"content": "ok"}, "   "], "messages[1].content"),
        ([{"content": "ok"}, None], "messages[1]"),
        ({"role": "user"}, "messages.content"),
        ([{"content": "ok"}, {"role": "user"}], "messages[1].content"),
        ([{"content": "ok"}, {"content": ""}], "messages[1].content"),
        ([{"content": "   "}], "messages[0].content"),
        ([{"content": []}], "messages[0].content"),
        ([{"content": None}], "messages[0].content"),
        ([{"content": 12}], "messages[0].content"),
        ([{"content": b"bytes"}], "messages[0].content"),
        ([{"content": [{"type": "text", "text": 5}]}], "messages[0].content[0]"),
        ([{"content": [{"type": "audio", "data": "..."}]}], "messages[0].content[0]"),
        ([{"content": ["ok", 7]}], "messages[0].content[1]"),
        ([{"role": 1, "content": "x"}], "messages[0].role"),
        ([{"role": "", "content": "x"}], "messages[0].role"),
        ([{"role": None, "content": "x"}], "messages[0].role"),
        ([{"content": "x", "name": ""}], "messages[0].name"),
        ([{"content": "x", "name": "  "}], "messages[0].name"),
        ([{"content": "x", "name": 3}], "messages[0].name"),
    ],
)
def test_malformed_messages_name_the_offending_field(messages: Any, field: str) -> None:
    assert field_of_error(messages) == field


def test_a_data_uri_that_is_not_an_image_is_rejected() -> None:
    part = {"type": "image_url", "image_url": {"url": "data:text/html;base64,PGgxPg=="}}
    with pytest.raises(ValidationError) as err:
        parse_messages({"role": "user", "content": [part]})
    assert err.value.field == "messages.content[0].image_url"


def test_a_list_of_strings_is_the_users_messages() -> None:
    """mem0's docs pass add() a list of strings (its code would fail on them)."""
    assert parse_messages(["I like tea", {"role": "assistant", "content": "Noted"}]) == [
        Message("user", "I like tea"),
        Message("assistant", "Noted"),
    ]

"""Image parts of messages: described by a vision-capable LLM, or skipped with a log line.

With ``enable_vision`` each image is described in one LLM call and the description replaces the
image in the message's text (``[image: ...]``). Without it, images are dropped (the text of the
message is kept) and a log line says so; a message that was only an image is then skipped.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from engram.core.effects import Complete, Flow
from engram.core.inference import Tally
from engram.core.messages import Message
from engram.llms.base import Completion, CompletionRequest
from engram.prompts import VISION_DESCRIPTION

logger = logging.getLogger("engram")


def describe_images(
    messages: list[Message], enabled: bool, detail: str, tally: Tally
) -> Flow[list[Message]]:
    """``messages`` with every image replaced by its description (or dropped)."""
    if not any(m.images for m in messages):
        return messages
    if not enabled:
        logger.info(
            "engram: image parts skipped: set enable_vision=True in the llm config to have a "
            "vision-capable model describe them"
        )
        return [replace(m, images=()) for m in messages if m.content.strip()]
    out: list[Message] = []
    for message in messages:
        texts = [message.content] if message.content.strip() else []
        for url in message.images:
            request = CompletionRequest(
                messages=(
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": VISION_DESCRIPTION},
                            {"type": "image_url", "image_url": {"url": url, "detail": detail}},
                        ],
                    },
                ),
                schema_name="image description",
            )
            completion: Completion = yield Complete(request)
            tally.usage += completion.usage
            description = " ".join(completion.text.split())
            if description:
                texts.append(f"[image: {description}]")
        if texts:
            out.append(replace(message, content="\n".join(texts), images=()))
    return out

"""A scripted LLM server on 127.0.0.1 that speaks the wire formats of OpenAI, Ollama and Anthropic.

mem0's examples configure hosted LLMs and embedders, which cannot be reached here. To run them
offline, their providers' base URLs point at this server (environment variables only: the
examples' code is unchanged). Its answers are deterministic and plausible, in the shapes
engram's core asks for: every user line of a conversation becomes a fact, every fact is added,
every memory graded 5 out of 10, a summary is a summary, an image "a photo". Embeddings are
hashed bags of words of the requested dimension (1536 by default, as OpenAI's small model).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

#: Environment variables that point every provider engram speaks to the server (``{url}``).
ENVIRONMENT = {
    "OPENAI_BASE_URL": "{url}/v1",
    "OPENAI_API_KEY": "sk-offline",
    "OLLAMA_HOST": "{url}",
    "ANTHROPIC_BASE_URL": "{url}/v1",
    "ANTHROPIC_API_KEY": "sk-offline",
    "AZURE_OPENAI_ENDPOINT": "{url}",
    "AZURE_OPENAI_API_KEY": "offline",
    "EMBEDDING_AZURE_ENDPOINT": "{url}",
    "EMBEDDING_AZURE_OPENAI_API_KEY": "offline",
    "DEEPSEEK_API_BASE": "{url}/v1",
    "GROQ_BASE_URL": "{url}/v1",
    "TOGETHER_BASE_URL": "{url}/v1",
    "XAI_API_BASE": "{url}/v1",
    "GEMINI_BASE_URL": "{url}/v1",
    "LMSTUDIO_BASE_URL": "{url}/v1",
    "VLLM_BASE_URL": "{url}/v1",
    "MINIMAX_API_BASE": "{url}/v1",
    "SARVAM_API_BASE": "{url}/v1",
    "OPENROUTER_API_BASE": "{url}/v1",
}
_WORDS = re.compile(r"\w+")


def embedding(text: str, dimension: int) -> list[float]:
    """A unit vector: the hashed words of ``text``."""
    vector = np.zeros(dimension, dtype=np.float64)
    for word in _WORDS.findall(text.lower()) or ["empty"]:
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        vector[int.from_bytes(digest, "big") % dimension] += 1.0
    result: list[float] = (vector / np.linalg.norm(vector)).tolist()
    return result


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(_text(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def answer(messages: list[dict[str, Any]], kind: str | None) -> str:
    """What the scripted model says to ``messages`` (``kind``: the requested JSON shape)."""
    last = _text(messages[-1].get("content")) if messages else ""
    system = " ".join(_text(m.get("content")) for m in messages if m.get("role") == "system")
    if kind == "facts" or last.startswith("Conversation:"):
        facts: list[str] = []
        for line in last.splitlines()[1:]:
            speaker, _, said = line.partition(": ")
            if said and speaker not in ("assistant", "system"):
                facts.extend(s.strip() for s in re.split(r"(?<=[.!?])\s+", said) if s.strip())
        if kind == "facts" or '{"facts"' in system:
            return json.dumps({"facts": facts})
        return "Procedure: " + " ".join(facts or ["follow the conversation"])
    if kind == "memory" or "New facts:" in last:
        new = [line[2:] for line in last.split("New facts:")[-1].splitlines() if line[:2] == "- "]
        return json.dumps({"memory": [{"id": None, "text": f, "event": "ADD"} for f in new]})
    if kind == "relevance" or "Memories:" in last:
        shown = re.findall(r"^(\d+)\. ", last.split("Memories:")[-1], re.MULTILINE)
        return json.dumps({"scores": [{"id": int(i), "relevance": 5} for i in shown]})
    if any(isinstance(m.get("content"), list) for m in messages):
        return "A photo."
    return "OK."


def _kind(body: dict[str, Any]) -> str | None:
    """The answer's shape named in a request (OpenAI, Ollama or Anthropic)."""
    schema = (body.get("response_format") or {}).get("json_schema") or {}
    if schema.get("name"):
        return str(schema["name"])
    for tool in body.get("tools") or []:
        return str(tool.get("name"))
    fmt = body.get("format")
    if isinstance(fmt, dict):
        names = set((fmt.get("properties") or {}).keys())
        return {"facts": "facts", "memory": "memory", "scores": "relevance"}.get(
            next(iter(names), ""), None
        )
    return None


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:  # quiet
        return

    def _send(self, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._send({"data": [{"id": "offline-model"}], "models": []})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        path = self.path.split("?")[0].rstrip("/")
        if path.endswith("/embeddings") or path.endswith("/api/embed"):
            texts = body.get("input", [])
            texts = [texts] if isinstance(texts, str) else texts
            dimension = int(body.get("dimensions") or 1536)
            vectors = [embedding(str(t), dimension) for t in texts]
            if path.endswith("/api/embed"):
                self._send({"embeddings": vectors})
            else:
                data = [{"index": i, "embedding": v} for i, v in enumerate(vectors)]
                self._send({"data": data, "usage": {"prompt_tokens": 1, "total_tokens": 1}})
            return
        messages = list(body.get("messages") or [])
        if body.get("system"):
            messages.insert(0, {"role": "system", "content": body["system"]})
        kind = _kind(body)
        text = answer(messages, kind)
        if path.endswith("/messages"):  # Anthropic
            content: list[dict[str, Any]] = [{"type": "text", "text": text}]
            if body.get("tools"):
                content = [{"type": "tool_use", "name": kind, "input": json.loads(text)}]
            usage = {"input_tokens": 10, "output_tokens": 5}
            self._send({"content": content, "usage": usage, "stop_reason": "end_turn"})
        elif path.endswith("/api/chat"):  # Ollama
            self._send({"message": {"role": "assistant", "content": text}, "done": True})
        else:  # OpenAI-compatible, Azure included
            choice = {"message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            usage = {"prompt_tokens": 10, "completion_tokens": 5}
            self._send({"choices": [choice], "usage": usage})


@contextmanager
def fake_llm_server() -> Iterator[str]:
    """Run the server on 127.0.0.1 and a free port; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def environment(url: str) -> dict[str, str]:
    """The environment that points every provider at the server at ``url``."""
    return {name: value.format(url=url) for name, value in ENVIRONMENT.items()}

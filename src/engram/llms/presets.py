"""OpenAI-compatible chat services by name: mem0's provider names, each with its default base URL,
key variable, model and structured-output mode.

Each provider is ``OpenAILLM`` with another ``Preset`` and another config model (mem0's key for
the base URL, e.g. ``deepseek_base_url``, the service's default model). They all take the
options of ``openai`` (``api_key``, ``base_url``, ``response_format``, ``temperature``, ...).
``response_format`` defaults to what the service is known to accept: ``json_schema`` where it
supports schemas, else ``json_object`` (JSON mode), else ``none`` (the prompt asks for JSON and
the answer is parsed tolerantly either way).

==============  =====================================================  =========================
provider        default base URL (variable)                            key variable
==============  =====================================================  =========================
``deepseek``    https://api.deepseek.com (``DEEPSEEK_API_BASE``)       ``DEEPSEEK_API_KEY``
``gemini``      https://generativelanguage.googleapis.com/v1beta/      ``GOOGLE_API_KEY``,
                openai                                                 ``GEMINI_API_KEY``
``groq``        https://api.groq.com/openai/v1 (``GROQ_BASE_URL``)     ``GROQ_API_KEY``
``lmstudio``    http://localhost:1234/v1                               none needed
``minimax``     https://api.minimax.io/v1 (``MINIMAX_API_BASE``)       ``MINIMAX_API_KEY``
``openrouter``  https://openrouter.ai/api/v1 (``OPENROUTER_API_BASE``)  ``OPENROUTER_API_KEY``
``sarvam``      https://api.sarvam.ai/v1 (``SARVAM_API_BASE``)         ``SARVAM_API_KEY``
``together``    https://api.together.xyz/v1 (``TOGETHER_BASE_URL``)    ``TOGETHER_API_KEY``
``vllm``        http://localhost:8000/v1 (``VLLM_BASE_URL``)           ``VLLM_API_KEY`` (optional)
``xai``         https://api.x.ai/v1 (``XAI_API_BASE``)                 ``XAI_API_KEY``
==============  =====================================================  =========================
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import AliasChoices, Field, model_validator

from engram.llms.base import Completion, CompletionRequest
from engram.llms.openai import OpenAIConfig, OpenAILLM, Preset, chat_body, read_chat

__all__ = [
    "XAILLM",
    "DeepSeekLLM",
    "GeminiLLM",
    "GroqLLM",
    "LMStudioLLM",
    "MiniMaxLLM",
    "OpenRouterLLM",
    "SarvamLLM",
    "TogetherLLM",
    "VllmLLM",
]

ResponseFormat = Literal["json_schema", "json_object", "none"]


def _url(*mem0_keys: str) -> AliasChoices:
    """The config keys that give the base URL: engram's, mem0's for this provider, OpenAI's."""
    return AliasChoices("base_url", *mem0_keys, "openai_base_url")


class DeepSeekConfig(OpenAIConfig):
    """``deepseek`` options: those of ``openai``; mem0's ``deepseek_base_url``."""

    model: str = "deepseek-chat"
    base_url: str | None = Field(default=None, validation_alias=_url("deepseek_base_url"))
    response_format: ResponseFormat = "json_object"  # DeepSeek has JSON mode, not schemas


class DeepSeekLLM(OpenAILLM):
    """DeepSeek's chat API."""

    Config = DeepSeekConfig
    preset: ClassVar[Preset] = Preset(
        "DeepSeek", "https://api.deepseek.com", ("DEEPSEEK_API_BASE",), ("DEEPSEEK_API_KEY",)
    )


class GeminiConfig(OpenAIConfig):
    """``gemini`` options: those of ``openai`` (Gemini's OpenAI-compatible endpoint)."""

    model: str = "gemini-2.0-flash"
    base_url: str | None = Field(default=None, validation_alias=_url("gemini_base_url"))


class GeminiLLM(OpenAILLM):
    """Google's Gemini models through their OpenAI-compatible endpoint."""

    Config = GeminiConfig
    preset: ClassVar[Preset] = Preset(
        "Gemini",
        "https://generativelanguage.googleapis.com/v1beta/openai",
        ("GEMINI_BASE_URL",),
        ("GOOGLE_API_KEY", "GEMINI_API_KEY"),
    )


class GroqConfig(OpenAIConfig):
    """``groq`` options: those of ``openai``."""

    model: str = "llama-3.3-70b-versatile"
    base_url: str | None = Field(default=None, validation_alias=_url("groq_base_url"))
    response_format: ResponseFormat = "json_object"  # schemas on some models only


class GroqLLM(OpenAILLM):
    """Groq's OpenAI-compatible API."""

    Config = GroqConfig
    preset: ClassVar[Preset] = Preset(
        "Groq", "https://api.groq.com/openai/v1", ("GROQ_BASE_URL",), ("GROQ_API_KEY",)
    )


class LMStudioConfig(OpenAIConfig):
    """``lmstudio`` options: those of ``openai``; mem0's ``lmstudio_base_url``, and its
    ``lmstudio_response_format`` (an OpenAI ``response_format``: its ``type`` chooses engram's
    ``response_format``; engram sends its own schema)."""

    model: str = "lmstudio-community/Meta-Llama-3.1-70B-Instruct-GGUF"
    base_url: str | None = Field(default=None, validation_alias=_url("lmstudio_base_url"))

    @model_validator(mode="before")
    @classmethod
    def _mem0_response_format(cls, data: Any) -> Any:
        if isinstance(data, dict) and "lmstudio_response_format" in data:
            data = dict(data)
            given = data.pop("lmstudio_response_format") or {}
            kind = given.get("type") if isinstance(given, dict) else given
            data.setdefault("response_format", {"text": "none"}.get(str(kind), kind))
        return data


class LMStudioLLM(OpenAILLM):
    """A local LM Studio server."""

    Config = LMStudioConfig
    preset: ClassVar[Preset] = Preset(
        "LM Studio", "http://localhost:1234/v1", ("LMSTUDIO_BASE_URL",), (), key_required=False
    )


class MiniMaxConfig(OpenAIConfig):
    """``minimax`` options: those of ``openai``; mem0's ``minimax_base_url``."""

    model: str = "MiniMax-M2.7"
    base_url: str | None = Field(default=None, validation_alias=_url("minimax_base_url"))
    response_format: ResponseFormat = "none"


class MiniMaxLLM(OpenAILLM):
    """MiniMax's OpenAI-compatible API."""

    Config = MiniMaxConfig
    preset: ClassVar[Preset] = Preset(
        "MiniMax", "https://api.minimax.io/v1", ("MINIMAX_API_BASE",), ("MINIMAX_API_KEY",)
    )


class OpenRouterConfig(OpenAIConfig):
    """``openrouter`` options: those of ``openai``; mem0's ``openrouter_base_url``."""

    model: str = "openai/gpt-4.1-mini"
    base_url: str | None = Field(default=None, validation_alias=_url("openrouter_base_url"))
    response_format: ResponseFormat = "json_object"


class OpenRouterLLM(OpenAILLM):
    """OpenRouter (mem0 reaches it through ``openai`` when ``OPENROUTER_API_KEY`` is set)."""

    Config = OpenRouterConfig
    preset: ClassVar[Preset] = Preset(
        "OpenRouter",
        "https://openrouter.ai/api/v1",
        ("OPENROUTER_API_BASE",),
        ("OPENROUTER_API_KEY",),
    )


class SarvamConfig(OpenAIConfig):
    """``sarvam`` options: those of ``openai``; mem0's ``sarvam_base_url``, and mem0's
    ``model`` given as ``{"name": ..., <request options>}`` (``reasoning_effort``, ``seed``...)."""

    model: str = "sarvam-m"
    model_options: dict[str, Any] = Field(
        default_factory=dict, description="extra request fields, from mem0's model dict"
    )
    base_url: str | None = Field(default=None, validation_alias=_url("sarvam_base_url"))
    response_format: ResponseFormat = "none"

    @model_validator(mode="before")
    @classmethod
    def _model_dict(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("model"), dict):
            data = dict(data)
            options = dict(data["model"])
            data["model"] = options.pop("name", "sarvam-m")
            data["model_options"] = {**options, **data.get("model_options", {})}
        return data


class SarvamLLM(OpenAILLM):
    """Sarvam AI's chat completions."""

    Config = SarvamConfig
    preset: ClassVar[Preset] = Preset(
        "Sarvam", "https://api.sarvam.ai/v1", ("SARVAM_API_BASE",), ("SARVAM_API_KEY",)
    )

    def complete(self, request: CompletionRequest) -> Completion:
        """One chat completion, with the model's own request fields."""
        config = self.config
        assert isinstance(config, SarvamConfig)
        body = chat_body(request, config, config.model, config.response_format)
        body.update(config.model_options)
        return read_chat(self._client.post("chat/completions", body), self._client.service)


class TogetherConfig(OpenAIConfig):
    """``together`` options: those of ``openai``."""

    model: str = "meta-llama/Llama-3.3-70B-Instruct-Turbo"
    base_url: str | None = Field(default=None, validation_alias=_url("together_base_url"))
    response_format: ResponseFormat = "json_object"


class TogetherLLM(OpenAILLM):
    """Together AI's OpenAI-compatible API."""

    Config = TogetherConfig
    preset: ClassVar[Preset] = Preset(
        "Together AI", "https://api.together.xyz/v1", ("TOGETHER_BASE_URL",), ("TOGETHER_API_KEY",)
    )


class VllmConfig(OpenAIConfig):
    """``vllm`` options: those of ``openai``; mem0's ``vllm_base_url``."""

    model: str = "Qwen/Qwen2.5-32B-Instruct"
    base_url: str | None = Field(default=None, validation_alias=_url("vllm_base_url"))


class VllmLLM(OpenAILLM):
    """A vLLM server (structured output through its guided decoding)."""

    Config = VllmConfig
    preset: ClassVar[Preset] = Preset(
        "vLLM", "http://localhost:8000/v1", ("VLLM_BASE_URL",), ("VLLM_API_KEY",), False
    )


class XAIConfig(OpenAIConfig):
    """``xai`` options: those of ``openai``; mem0's ``xai_base_url``."""

    model: str = "grok-4"
    base_url: str | None = Field(default=None, validation_alias=_url("xai_base_url"))


class XAILLM(OpenAILLM):
    """xAI's Grok models."""

    Config = XAIConfig
    preset: ClassVar[Preset] = Preset(
        "xAI", "https://api.x.ai/v1", ("XAI_API_BASE",), ("XAI_API_KEY",)
    )

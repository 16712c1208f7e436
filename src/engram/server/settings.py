"""The service's settings: a config file, ``ENGRAM_`` environment variables, command-line flags.

One file configures both the memory and the service: mem0's config dictionary (``vector_store``,
``embedder``, ``llm``, ...) plus optional ``server`` and ``mcp`` blocks, as JSON or TOML::

    {"vector_store": {"provider": "postgres", "config": {"dsn": "postgresql://..."}},
     "server": {"host": "0.0.0.0", "port": 8000, "rate_limit": 600},
     "mcp": {"user_id": "alice"}}

Each setting comes from, in order of precedence: a command-line flag, the environment
(``ENGRAM_SERVER_<NAME>`` / ``ENGRAM_MCP_<NAME>``, e.g. ``ENGRAM_SERVER_PORT=9000``; lists as
JSON or comma-separated), the file (``--config`` or ``$ENGRAM_CONFIG``), the default.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from engram.exceptions import ConfigurationError
from engram.options import Options

__all__ = ["MCPSettings", "ServerSettings", "Settings", "load_settings"]

M = TypeVar("M", bound=BaseModel)


class ServerSettings(Options):
    """How ``engram serve`` listens and what each request may ask for."""

    host: str = Field(default="127.0.0.1", description="Address to listen on.")
    port: int = Field(
        default=8000, ge=0, le=65535, description="Port to listen on (0: any free one)."
    )
    workers: int = Field(default=1, ge=1, le=64, description="Worker processes (uvicorn).")
    insecure: bool = Field(
        default=False,
        description="Serve a non-loopback address without API keys (never in production).",
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, le=2**40, description="Largest request body (413)."
    )
    max_results: int = Field(
        default=1000, ge=1, description="Largest limit / top_k / page_size (422)."
    )
    max_batch: int = Field(
        default=1000, ge=1, description="Most memories in one batch request (413)."
    )
    max_messages: int = Field(default=1000, ge=1, description="Most messages in one add (413).")
    rate_limit: float | None = Field(
        default=None, gt=0, description="Requests per minute per key, unless the key sets its own."
    )
    key_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=86_400,
        description="How long a checked key is trusted before the store is asked again.",
    )
    cors_origins: list[str] = Field(default_factory=list, description="Origins allowed by CORS.")
    allow_configure: bool = Field(
        default=False,
        description="Let unlimited keys replace the memory config with POST /configure.",
    )
    docs: bool = Field(default=True, description="Serve /docs and /redoc (offline assets).")
    ui: bool = Field(default=True, description="Serve the memory inspector at /ui (same API keys).")
    mcp: bool = Field(default=False, description="Also serve MCP (streamable HTTP) at /mcp.")
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"


class MCPSettings(Options):
    """``engram mcp``: the default scope of its tools, and its transport."""

    user_id: str | None = Field(default=None, description="Scope of tool calls that name none.")
    agent_id: str | None = None
    run_id: str | None = None
    transport: Literal["stdio", "http"] = "stdio"


class Settings(BaseModel):
    """Everything ``engram serve`` / ``engram mcp`` need: the memory's config and theirs."""

    memory: dict[str, Any] = Field(default_factory=dict)
    server: ServerSettings = Field(default_factory=ServerSettings)
    mcp: MCPSettings = Field(default_factory=MCPSettings)
    source: str | None = None


def load_settings(
    config: str | Path | None = None,
    *,
    server: Mapping[str, Any] | None = None,
    mcp: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from the file, the environment and flags (``server`` / ``mcp``: set flags only).

    Raises:
        ConfigurationError: the file cannot be read, or a setting is invalid.
    """
    env = os.environ if environ is None else environ
    path = config if config is not None else env.get("ENGRAM_CONFIG") or None
    data = _read(Path(path)) if path else {}
    server_file = data.pop("server", None) or {}
    mcp_file = data.pop("mcp", None) or {}
    return Settings(
        memory=data,
        server=_layered(ServerSettings, server_file, "ENGRAM_SERVER_", env, server or {}),
        mcp=_layered(MCPSettings, mcp_file, "ENGRAM_MCP_", env, mcp or {}),
        source=str(path) if path else None,
    )


def _read(path: Path) -> dict[str, Any]:
    from engram.core.limits import json_loads
    from engram.paths import expand

    try:
        text = expand(str(path), "config").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigurationError(
            f"cannot read the config file {path}: {e}", config_source=str(path)
        ) from e
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else json_loads(text)
    except RecursionError as e:  # tomllib recurses into nested arrays and tables
        raise ConfigurationError(
            f"the config file {path} is nested too deeply", config_source=str(path)
        ) from e
    except ValueError as e:  # json's errors, tomllib's, and nesting json cannot decode
        raise ConfigurationError(
            f"the config file {path} is not valid {'TOML' if path.suffix == '.toml' else 'JSON'}:"
            f" {e}",
            config_source=str(path),
        ) from e
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"the config file {path} must hold an object", config_source=str(path)
        )
    return data


def _layered(
    model: type[M],
    from_file: Any,
    prefix: str,
    env: Mapping[str, str],
    flags: Mapping[str, Any],
) -> M:
    """``model`` from the file's block, overridden by the environment, then by flags."""
    if not isinstance(from_file, dict):
        raise ConfigurationError(
            f"the config file's {prefix[7:-1].lower()!r} block must be an object",
            config_source="file",
        )
    values: dict[str, Any] = dict(from_file)
    for name, field in model.model_fields.items():
        raw = env.get(prefix + name.upper())
        if raw is None:
            continue
        if field.annotation == list[str]:
            values[name] = _listed(prefix + name.upper(), raw.strip())
        else:
            values[name] = None if raw.strip().lower() in ("", "none", "null") else raw
    values.update({k: v for k, v in flags.items() if v is not None})
    try:
        return model.model_validate(values)
    except PydanticValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()
        )
        raise ConfigurationError(
            f"invalid {model.__name__}: {problems}",
            config_source="file, environment or flags",
            suggestion=f"allowed keys: {', '.join(model.model_fields)}",
        ) from e


def _listed(variable: str, text: str) -> Any:
    if not text.startswith("["):
        return [part.strip() for part in text.split(",") if part.strip()]
    from engram.core.limits import json_loads

    try:
        return json_loads(text)
    except ValueError as e:
        raise ConfigurationError(
            f"{variable} is not a JSON list: {e}", config_source=variable
        ) from e

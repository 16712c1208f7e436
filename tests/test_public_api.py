"""The public namespace, the exception tree, and the parity of Memory and AsyncMemory."""

from __future__ import annotations

import builtins
import inspect
import subprocess
import sys

import pytest

import engram
import engram.exceptions
from engram import (
    AsyncMemory,
    AuthenticationError,
    ConfigurationError,
    EngramError,
    Memory,
    MemoryBase,
    MemoryNotFoundError,
    NetworkError,
    RateLimitError,
    ValidationError,
)

API_METHODS = (
    "add", "get", "get_all", "search", "update", "delete", "delete_all", "history", "reset",
)  # fmt: skip


def test_all_is_sorted_and_complete() -> None:
    assert engram.__all__ == sorted(engram.__all__)
    assert len(set(engram.__all__)) == len(engram.__all__)
    for name in engram.__all__:
        assert hasattr(engram, name), name
    public = {
        name
        for name, value in vars(engram).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert public <= set(engram.__all__)


def test_version_is_a_string() -> None:
    assert isinstance(engram.__version__, str)
    assert engram.__version__.count(".") == 2


def test_exceptions_all_is_sorted_and_exists() -> None:
    names = engram.exceptions.__all__
    assert names == sorted(names)
    for name in names:
        assert hasattr(engram.exceptions, name), name


def test_memory_error_alias_is_not_exported_at_top_level() -> None:
    assert "MemoryError" not in engram.__all__
    assert not hasattr(engram, "MemoryError")
    assert engram.exceptions.MemoryError is engram.exceptions.EngramError
    assert not issubclass(EngramError, builtins.MemoryError)


def test_every_exception_derives_from_engram_error() -> None:
    classes = [
        value
        for value in vars(engram.exceptions).values()
        if isinstance(value, type) and issubclass(value, BaseException)
    ]
    assert len(classes) >= 9
    for cls in classes:
        assert issubclass(cls, EngramError), cls
        assert issubclass(cls, Exception)
    for name in engram.__all__:
        value = getattr(engram, name)
        if isinstance(value, type) and issubclass(value, BaseException):
            assert issubclass(value, EngramError)


def test_error_codes_are_distinct() -> None:
    classes: set[type[EngramError]] = {
        value
        for name in engram.exceptions.__all__
        if isinstance(value := getattr(engram.exceptions, name), type)
    }
    codes = [cls.default_code for cls in classes]
    assert len(codes) == len(set(codes))


def test_mem0_exception_names_refer_to_engram_classes() -> None:
    """mem0 code imports these names; each is the engram class raised in that situation."""
    names = engram.exceptions.MEM0_NAMES
    assert len(names) == 17
    for name, cls in names.items():
        assert getattr(engram.exceptions, name) is cls
        assert issubclass(cls, EngramError)
    assert names["LLMError"] is engram.exceptions.ProviderError
    assert names["VectorStoreError"] is engram.exceptions.StoreError
    assert names["DependencyError"] is engram.exceptions.ConfigurationError
    # mem0's positional arguments: (message, error_code, details, suggestion, debug_info)
    err = engram.exceptions.LLMError("boom", "LLM_001", {"model": "m"}, "retry", {"id": 1})
    assert (err.error_code, err.details, err.suggestion, err.debug_info) == (
        "LLM_001",
        {"model": "m"},
        "retry",
        {"id": 1},
    )


def test_bad_input_is_also_a_value_error_as_mem0_code_expects() -> None:
    assert issubclass(ValidationError, ValueError)
    assert issubclass(engram.ConfigurationError, ValueError)
    assert issubclass(engram.MemoryNotFoundError, LookupError)
    assert issubclass(engram.MemoryNotFoundError, ValueError)
    assert not issubclass(engram.StoreError, ValueError)


def test_validation_error_carries_field_value_and_expected() -> None:
    err = ValidationError(
        "limit must be positive",
        field="limit",
        value=-1,
        expected="an integer >= 1",
        suggestion="pass limit=10",
    )
    assert (err.field, err.value, err.expected) == ("limit", -1, "an integer >= 1")
    assert err.details["field"] == "limit" and err.details["expected"] == "an integer >= 1"
    assert err.error_code == "validation_error"
    assert str(err) == "limit must be positive (pass limit=10)"
    assert str(ValidationError("plain")) == "plain"
    assert "ValidationError" in repr(err)


def test_other_errors_carry_their_context() -> None:
    missing = MemoryNotFoundError("no such memory", memory_id="m1", user_id="u")
    assert missing.memory_id == "m1" and missing.details["memory_id"] == "m1"
    limited = RateLimitError("slow down", retry_after=2.5, limit=60, remaining=0)
    assert (limited.retry_after, limited.limit, limited.remaining) == (2.5, 60, 0)
    network = NetworkError("unreachable", endpoint="https://api.example.com", timeout=3.0)
    assert network.endpoint == "https://api.example.com" and network.timeout == 3.0
    config = ConfigurationError("bad", missing_field="llm.config", config_source="dict")
    assert (config.missing_field, config.config_source) == ("llm.config", "dict")
    assert EngramError("x", error_code="custom").error_code == "custom"


def test_authentication_error_masks_the_api_key() -> None:
    secret = "sk-proj-abcdefghijklmnopqrstuvwxyz"
    err = AuthenticationError("key rejected", api_key=secret, service="openai")
    assert err.api_key == "...wxyz"
    assert err.service == "openai"
    assert AuthenticationError("short", api_key="abcd").api_key == "***"
    everything = f"{err} {err!r} {err.details} {err.debug_info} {vars(err)}"
    assert secret not in everything
    assert AuthenticationError("no key").api_key is None


def test_memory_and_async_memory_share_the_base() -> None:
    assert issubclass(Memory, MemoryBase)
    assert issubclass(AsyncMemory, MemoryBase)


def public_methods(cls: type) -> set[str]:
    """Names of the public callables defined on ``cls`` or its bases."""
    return {name for name, value in inspect.getmembers(cls) if not name.startswith("_")
            and callable(value)}  # fmt: skip


def test_memory_and_async_memory_have_the_same_public_methods() -> None:
    assert public_methods(Memory) == public_methods(AsyncMemory)
    assert set(API_METHODS) <= public_methods(Memory)


@pytest.mark.parametrize("method", [*API_METHODS, "from_config", "close"])
def test_memory_and_async_memory_methods_take_the_same_parameters(method: str) -> None:
    sync = inspect.signature(getattr(Memory, method))
    asynchronous = inspect.signature(getattr(AsyncMemory, method))
    assert list(sync.parameters.values()) == list(asynchronous.parameters.values())
    if method in API_METHODS or method == "close":
        assert inspect.iscoroutinefunction(getattr(AsyncMemory, method))
        assert not inspect.iscoroutinefunction(getattr(Memory, method))


def test_constructors_take_the_same_parameters() -> None:
    assert inspect.signature(Memory.__init__) == inspect.signature(AsyncMemory.__init__)


def test_names_load_on_first_use() -> None:
    assert "Memory" in dir(engram) and "__version__" in dir(engram)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        engram.Nope  # noqa: B018
    done = subprocess.run(
        [sys.executable, "-c", "import sys, engram; print('numpy' in sys.modules)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout.strip() == "False"  # `import engram` alone stays light


def test_mem0_module_paths_are_aliases_of_engram_names() -> None:
    """Moving from mem0 renames the top package only: mem0's module paths exist."""
    import engram.async_memory
    import engram.config
    from engram.configs import base, enums, prompts
    from engram.embeddings.configs import EmbedderConfig
    from engram.llms.configs import LlmConfig
    from engram.memory import base as memory_base
    from engram.memory import main
    from engram.vector_stores.configs import VectorStoreConfig

    assert main.Memory is engram.Memory and main.AsyncMemory is engram.AsyncMemory
    assert engram.memory.Memory is engram.Memory  # the old module path still works
    assert memory_base.MemoryBase is engram.MemoryBase
    assert base.MemoryConfig is engram.MemoryConfig
    for alias in (base.LlmConfig, LlmConfig, EmbedderConfig, VectorStoreConfig):
        assert alias is engram.config.ProviderConfig
    assert enums.MemoryType.PROCEDURAL.value == "procedural_memory"
    assert isinstance(enums.MemoryType.PROCEDURAL, str)
    assert prompts.FACT_RETRIEVAL_PROMPT == engram.prompts.FACT_EXTRACTION
    item = base.MemoryItem.model_validate({"id": "1", "memory": "m", "score": 0.5, "user_id": "u"})
    assert item.model_dump()["user_id"] == "u"
    assert engram.async_memory.AsyncMemory is engram.AsyncMemory

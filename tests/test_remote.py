"""The shared HTTP client: keys, retries with backoff, and error mapping."""

from __future__ import annotations

import httpx
import pytest

from engram import AuthenticationError, NetworkError, ProviderError, RateLimitError
from engram.remote import MAX_WAIT, JsonClient, optional_env, resolve_key
from tests.llms.wire import Wire, ok


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the client's sleeps instead of sleeping."""
    recorded: list[float] = []
    monkeypatch.setattr("engram.remote.time.sleep", recorded.append)
    return recorded


def client(wire: Wire, retries: int = 2) -> JsonClient:
    return JsonClient(
        service="Test", base_url="https://api.test/v1", max_retries=retries,
        transport=wire.transport, timeout=5,
    )  # fmt: skip


def test_missing_key_names_the_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_API_KEY", raising=False)
    with pytest.raises(AuthenticationError) as raised:
        resolve_key(None, ("TEST_API_KEY",), "Test")
    assert "TEST_API_KEY" in str(raised.value)
    assert raised.value.details["env_var"] == "TEST_API_KEY"
    monkeypatch.setenv("TEST_API_KEY", "sk-from-env")
    assert resolve_key(None, ("TEST_API_KEY",), "Test") == "sk-from-env"
    assert resolve_key("sk-config", ("TEST_API_KEY",), "Test") == "sk-config"
    assert optional_env(None, ("UNSET_FOR_SURE_1",)) is None


def test_success_posts_json_to_the_path(waits: list[float]) -> None:
    wire = Wire(ok({"answer": 1}))
    assert client(wire).post("/things", {"q": 1}, {"v": "2"}) == {"answer": 1}
    assert str(wire.requests[0].url) == "https://api.test/v1/things?v=2"
    assert wire.body() == {"q": 1} and waits == []


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_are_not_retried(status: int, waits: list[float]) -> None:
    wire = Wire(httpx.Response(status, json={"error": {"message": "bad key"}}))
    with pytest.raises(AuthenticationError, match="bad key") as raised:
        client(wire).post("x", {})
    assert raised.value.details["status"] == status
    assert len(wire.requests) == 1 and waits == []


def test_rate_limits_honour_retry_after_then_raise(waits: list[float]) -> None:
    limited = httpx.Response(429, headers={"retry-after": "7"}, json={"error": "slow down"})
    wire = Wire(limited, limited, limited)
    with pytest.raises(RateLimitError) as raised:
        client(wire).post("x", {})
    assert raised.value.retry_after == 7.0
    assert waits == [7.0, 7.0]
    huge = httpx.Response(429, headers={"retry-after": "3600"})
    wire = Wire(huge, ok({}))
    assert client(wire).post("x", {}) == {}
    assert waits[-1] == MAX_WAIT


def test_server_errors_and_timeouts_are_retried_with_backoff(waits: list[float]) -> None:
    wire = Wire(
        httpx.Response(503, text="overloaded"),
        httpx.ReadTimeout("slow"),
        ok({"fine": True}),
    )
    assert client(wire).post("x", {}) == {"fine": True}
    assert len(waits) == 2 and 0.5 <= waits[0] <= 0.625 and 1.0 <= waits[1] <= 1.25


def test_exhausted_retries_raise_network_or_provider_errors(waits: list[float]) -> None:
    with pytest.raises(NetworkError, match="did not answer within 5"):
        client(Wire(httpx.ReadTimeout("slow")), retries=0).post("x", {})
    with pytest.raises(NetworkError, match="cannot reach Test") as raised:
        client(Wire(httpx.ConnectError("refused")), retries=0).post("x", {})
    assert raised.value.endpoint == "https://api.test/v1/x"
    with pytest.raises(ProviderError, match=r"failed \(500\)"):
        client(Wire(httpx.Response(500, text="boom")), retries=0).post("x", {})


def test_other_client_errors_carry_the_providers_message(waits: list[float]) -> None:
    wire = Wire(httpx.Response(400, json={"error": {"message": "model not found"}}))
    with pytest.raises(ProviderError, match="model not found"):
        client(wire).post("x", {})
    wire = Wire(httpx.Response(404, json={"detail": "nope"}), httpx.Response(422, json=["x"]))
    with pytest.raises(ProviderError, match="nope"):
        client(wire).post("x", {})
    with pytest.raises(ProviderError, match="x"):
        client(wire).post("x", {})
    assert waits == []


def test_a_non_json_success_is_a_provider_error() -> None:
    with pytest.raises(ProviderError, match="not JSON"):
        client(Wire(httpx.Response(200, text="<html>"))).post("x", {})
    bad_retry_after = httpx.Response(429, headers={"retry-after": "soon"})
    with pytest.raises(RateLimitError) as raised:
        client(Wire(bad_retry_after), retries=0).post("x", {})
    assert raised.value.retry_after is None

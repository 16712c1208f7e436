"""``Gateway`` pieces the HTTP tests reach only slowly: its key cache and its rate buckets."""

from __future__ import annotations

import pytest

from engram import AsyncMemory, RateLimitError
from engram.gateway import Gateway, Limits, _Bucket
from engram.server.configure import redact


@pytest.mark.anyio
async def test_the_key_cache_is_bounded(
    async_memory: AsyncMemory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("engram.gateway._CACHE_SIZE", 2)
    gateway = Gateway(async_memory, key_cache_seconds=60)
    tokens = [(await async_memory.api_keys.create(f"k{i}"))[0] for i in range(3)]
    for token in tokens:
        await gateway.authenticate(token)
    assert len(gateway._keys) == 1  # cleared when full, then the newest cached
    with pytest.raises(Exception, match="not valid"):
        await gateway.authenticate("engram_0123456789abcdef_" + "A" * 43)


def test_buckets_refill_at_their_rate() -> None:
    bucket = _Bucket(per_minute=60)  # one a second, bursts of 60
    assert all(bucket.take() == 0 for _ in range(60))
    wait = bucket.take()
    assert 0 < wait <= 1.0
    bucket.stamp -= 1.0  # a second later
    assert bucket.take() == 0


@pytest.mark.anyio
async def test_a_server_default_rate_applies_to_keys_without_one(async_memory: AsyncMemory) -> None:
    gateway = Gateway(async_memory, limits=Limits(rate_limit=1), key_cache_seconds=60)
    token, _ = await async_memory.api_keys.create("k")
    await gateway.authenticate(token)
    with pytest.raises(RateLimitError) as caught:
        await gateway.authenticate(token)
    assert caught.value.retry_after is not None and caught.value.retry_after >= 1


def test_redaction() -> None:
    config = {
        "llm": {"config": {"api_key": "sk", "model": "m"}},
        "list": [{"password": "p"}],
        "dsn": "postgresql://u:p@h/db",
        "empty_key": "",
    }
    assert redact(config) == {
        "llm": {"config": {"api_key": "[redacted]", "model": "m"}},
        "list": [{"password": "[redacted]"}],
        "dsn": "[redacted]",
        "empty_key": "",
    }

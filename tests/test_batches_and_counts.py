"""``count``, ``scopes``, ``batch_update`` and ``batch_delete``, on Memory and AsyncMemory."""

from __future__ import annotations

from typing import Any

import pytest

from engram import AsyncMemory, Memory, MemoryNotFoundError, ValidationError


def got(memory: Memory, memory_id: str) -> dict[str, Any]:
    """The stored memory (which must exist)."""
    found = memory.get(memory_id)
    assert found is not None
    return found


def fill(add: Any) -> list[str]:
    ids = []
    for text, scope in (
        ("I like tea", {"user_id": "alice"}),
        ("I like coffee", {"user_id": "alice", "agent_id": "barista"}),
        ("I like cocoa", {"user_id": "bob", "run_id": "r1"}),
    ):
        ids.append(add(text, infer=False, metadata={"drink": True}, **scope)["results"][0]["id"])
    return ids


def test_count_and_scopes(memory: Memory) -> None:
    fill(memory.add)
    assert memory.count(user_id="alice") == 2
    assert memory.count(user_id="alice", filters={"memory": {"contains": "tea"}}) == 1
    assert memory.count(filters={"user_id": "bob"}) == 1
    with pytest.raises(ValidationError):
        memory.count()
    scopes = {(s["type"], s["id"]): s["total_memories"] for s in memory.scopes()}
    assert scopes == {
        ("user", "alice"): 2, ("user", "bob"): 1, ("agent", "barista"): 1, ("run", "r1"): 1
    }  # fmt: skip
    assert len(memory.scopes(limit=1)) == 3  # one id of each type


def test_batch_update_is_one_transaction(memory: Memory) -> None:
    tea, coffee, _cocoa = fill(memory.add)
    with pytest.raises(MemoryNotFoundError):
        memory.batch_update(
            [{"memory_id": tea, "text": "changed"}, {"memory_id": "nope", "text": "x"}]
        )
    assert got(memory, tea)["memory"] == "I like tea"  # nothing was written
    done = memory.batch_update([
        {"memory_id": tea, "text": "I love tea"},
        {"memory_id": coffee, "text": "I love coffee", "metadata": {"drink": "hot"}},
    ])  # fmt: skip
    assert done["updated"] == 2
    assert got(memory, tea)["memory"] == "I love tea"
    assert got(memory, tea)["metadata"] == {"drink": True}
    assert got(memory, coffee)["metadata"] == {"drink": "hot"}
    assert [h["event"] for h in memory.history(coffee)] == ["ADD", "UPDATE"]
    hits = memory.search("love tea", user_id="alice", limit=1)["results"]
    assert hits[0]["id"] == tea  # re-embedded
    for bad in ([], "x", [{"memory_id": tea}], [{"text": "x"}], [3]):
        with pytest.raises(ValidationError):
            memory.batch_update(bad)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"memories\[0\].metadata"):
        memory.batch_update([{"memory_id": tea, "text": "x", "metadata": "no"}])


def test_batch_delete_is_one_transaction(memory: Memory) -> None:
    tea, coffee, _cocoa = fill(memory.add)
    with pytest.raises(MemoryNotFoundError):
        memory.batch_delete([tea, "nope"])
    assert memory.count(user_id="alice") == 2
    assert memory.batch_delete([tea, coffee, tea])["deleted"] == 2
    assert memory.count(user_id="alice") == 0
    assert [h["event"] for h in memory.history(tea)] == ["ADD", "DELETE"]
    for bad in ([], "x", [""]):
        with pytest.raises(ValidationError):
            memory.batch_delete(bad)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_async_memory_has_them_too(async_memory: AsyncMemory) -> None:
    async def add(text: str, **kwargs: Any) -> Any:
        return await async_memory.add(text, **kwargs)

    ids = []
    for text in ("one", "two"):
        ids.append((await add(text, user_id="u", infer=False))["results"][0]["id"])
    assert await async_memory.count(user_id="u") == 2
    assert (await async_memory.scopes())[0]["id"] == "u"
    await async_memory.batch_update([{"memory_id": ids[0], "text": "uno"}])
    stored = await async_memory.get(ids[0])
    assert stored is not None and stored["memory"] == "uno"
    await async_memory.batch_delete(ids)
    assert await async_memory.count(user_id="u") == 0
    token, key = await async_memory.api_keys.create("k", agent_ids=["a"], run_ids=["r"])
    assert await async_memory.api_keys.authenticate(token) == key
    assert [k.id for k in await async_memory.api_keys.list()] == [key.id]
    assert await async_memory.api_keys.count() == 1
    assert (await async_memory.api_keys.revoke(key.id)).revoked_at is not None

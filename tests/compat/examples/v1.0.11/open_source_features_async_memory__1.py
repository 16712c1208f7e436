# mem0 v1.0.11, docs/open-source/features/async-memory.mdx (block 1); Apache-2.0, see NOTICE.md
import asyncio
from contextlib import asynccontextmanager
from engram import AsyncMemory

@asynccontextmanager
async def get_memory():
    memory = AsyncMemory()
    try:
        yield memory
    finally:
        # Clean up resources if needed
        pass

async def safe_memory_usage():
    async with get_memory() as memory:
        return await memory.search("test query", user_id="alice")

# mem0 v2.0.18, docs/open-source/features/async-memory.mdx (block 0); Apache-2.0, see NOTICE.md
import asyncio
from engram import AsyncMemory

# Default configuration
memory = AsyncMemory()

# Custom configuration
from engram.configs.base import MemoryConfig
custom_config = MemoryConfig(
    # Your custom configuration here
)
memory = AsyncMemory(config=custom_config)

# mem0 v1.0.11, docs/components/rerankers/optimization.mdx (block 11); Apache-2.0, see NOTICE.md
import asyncio
from engram import Memory

async def parallel_search(config, queries, user_id):
    memory = Memory.from_config(config)

    # Process multiple queries concurrently
    tasks = [
        memory.search_async(query, user_id=user_id)
        for query in queries
    ]

    results = await asyncio.gather(*tasks)
    return results

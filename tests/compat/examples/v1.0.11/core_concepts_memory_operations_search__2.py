# mem0 v1.0.11, docs/core-concepts/memory-operations/search.mdx (block 2); Apache-2.0, see NOTICE.md
from engram import Memory

m = Memory()

# Simple search
related_memories = m.search("Should I drink coffee or tea?", user_id="alice")

# Search with filters
memories = m.search(
    "food preferences",
    user_id="alice",
    filters={"categories": {"contains": "diet"}}
)

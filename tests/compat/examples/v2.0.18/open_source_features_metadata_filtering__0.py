# mem0 v2.0.18, docs/open-source/features/metadata-filtering.mdx (block 0); Apache-2.0, see NOTICE.md
from engram import Memory

m = Memory()

# Search with simple metadata filters
results = m.search(
    "What are my preferences?",
    filters={"user_id": "alice", "category": "preferences"}
)

# mem0 v1.0.11, docs/open-source/features/metadata-filtering.mdx (block 0); Apache-2.0, see NOTICE.md
from engram import Memory

m = Memory()

# Search with simple metadata filters
results = m.search(
    "What are my preferences?",
    user_id="alice",
    filters={"category": "preferences"}
)

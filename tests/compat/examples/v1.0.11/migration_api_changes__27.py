# mem0 v1.0.11, docs/migration/api-changes.mdx (block 27); Apache-2.0, see NOTICE.md
from engram import Memory

m = Memory()

# Add without deprecated parameters
result = m.add(
    "I love pizza",
    user_id="alice"
)

# Always dict format with "results" key
for memory in result["results"]:
    print(memory["memory"])

# mem0 v1.0.11, docs/migration/v0-to-v1.mdx (block 1); Apache-2.0, see NOTICE.md
from engram import Memory

# Clean, simplified API
m = Memory()
result = m.add(
    "I love pizza",
    user_id="alice"
    # version parameter removed
)

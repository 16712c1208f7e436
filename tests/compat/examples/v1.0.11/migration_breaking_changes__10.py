# mem0 v1.0.11, docs/migration/breaking-changes.mdx (block 10); Apache-2.0, see NOTICE.md
from engram import Memory

# Default configuration in v0.x
m = Memory()  # Used default settings suitable for v0.x

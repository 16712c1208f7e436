# mem0 v1.0.11, docs/migration/breaking-changes.mdx (block 18); Apache-2.0, see NOTICE.md
# These imports work in both v0.x and v1.0.0 
from engram import Memory, AsyncMemory
from engram import MemoryConfig

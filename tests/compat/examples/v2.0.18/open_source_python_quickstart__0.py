# mem0 v2.0.18, docs/open-source/python-quickstart.mdx (block 0); Apache-2.0, see NOTICE.md
from engram import Memory

m = Memory()

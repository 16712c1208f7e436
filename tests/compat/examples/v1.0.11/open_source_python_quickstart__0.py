# mem0 v1.0.11, docs/open-source/python-quickstart.mdx (block 0); Apache-2.0, see NOTICE.md
from engram import Memory

m = Memory()

"""mem0's ``mem0.embeddings`` package name; engram's embedders live in ``engram.embedders``."""

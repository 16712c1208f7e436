"""mem0's ``mem0.vector_stores`` package name; engram's stores live in ``engram.stores``."""

"""mem0's provider names that engram does not offer, and what to use instead.

A config written for mem0 may name a vector store, embedder, LLM or reranker engram has no
provider for. The registry's ConfigurationError then says what engram offers in its place and,
for vector stores, how to bring the memories over, instead of only listing the known names.
Graph stores are described with the graph memory provider (``graph_store``).
"""

from __future__ import annotations

__all__ = ["MOVE_MEMORIES", "instead_of"]

#: How memories held by another vector store reach engram (see the README's "Moving from mem0").
MOVE_MEMORIES = (
    "to bring your memories over, read them with mem0 (get_all for each user_id / agent_id / "
    "run_id) and add each to engram with add(text, user_id=..., metadata=..., infer=False, "
    "timestamp=created_at): see the README's 'Moving from mem0'"
)

_EMBEDDED = "use 'sqlite' (the default: one embedded file, exact search, no server)"
_SERVER = (
    "use 'postgres' (PostgreSQL with pgvector, shared by many processes and hosts) or 'sqlite' "
    "(one embedded file)"
)
_POSTGRES = (
    "it is PostgreSQL with pgvector: use 'pgvector' with its connection_string (or 'postgres' "
    "with a dsn)"
)

_STORES = {
    "qdrant": "use 'sqlite' (one embedded file, like qdrant's local mode) or 'postgres' "
    "(PostgreSQL with pgvector, like a qdrant server)",
    "chroma": _EMBEDDED,
    "faiss": _EMBEDDED,
    "langchain": _SERVER,
    "milvus": _SERVER,
    "pinecone": _SERVER,
    "weaviate": _SERVER,
    "redis": _SERVER,
    "valkey": _SERVER,
    "mongodb": _SERVER,
    "elasticsearch": _SERVER,
    "opensearch": _SERVER,
    "cassandra": _SERVER,
    "upstash_vector": _SERVER,
    "turbopuffer": _SERVER,
    "vectorize": _SERVER,
    "azure_ai_search": _SERVER,
    "azure_mysql": _SERVER,
    "databricks": _SERVER,
    "vertex_ai_vector_search": _SERVER,
    "baidu": _SERVER,
    "neptune": _SERVER,
    "oracledb": _SERVER,
    "s3_vectors": _SERVER,
    "supabase": _POSTGRES,
    "neon": _POSTGRES,
}

_LOCAL_EMBEDDER = (
    "use 'onnx' (the default: all-MiniLM-L6-v2 run locally, no download), or "
    "'sentence_transformers' / 'huggingface' for another local model"
)
_EMBEDDERS = {
    "fastembed": _LOCAL_EMBEDDER,
    "vertexai": "use 'gemini' (Google's embeddings through their OpenAI-compatible API), or "
    "'openai' with the base_url of another OpenAI-compatible service",
    "aws_bedrock": "use 'openai' with the base_url of an OpenAI-compatible gateway to Bedrock, "
    "or a local model ('onnx', 'sentence_transformers')",
    "langchain": _LOCAL_EMBEDDER + ", or 'openai' with any OpenAI-compatible server",
}

_LLMS = {
    "aws_bedrock": "use 'litellm' with model 'bedrock/<model id>' (LiteLLM speaks to Bedrock)",
    "langchain": "use 'openai' with the base_url of any OpenAI-compatible server, or 'litellm'",
    "mistral": "use 'litellm' (mem0's documentation does) or 'openai' with "
    "base_url https://api.mistral.ai/v1",
}

_RERANKER = (
    "engram's reranker is 'llm' (mem0's 'llm_reranker'): it grades results with an LLM. No "
    "PyPI package ships a cross-encoder's weights, so a local reranker would download them at "
    "run time, which engram never does; a hosted one is not offered either"
)
_RERANKERS = {
    "cohere": _RERANKER,
    "sentence_transformer": _RERANKER,
    "huggingface": _RERANKER,
    "zero_entropy": _RERANKER,
}

_INSTEAD: dict[str, dict[str, str]] = {
    "stores": _STORES,
    "embedders": _EMBEDDERS,
    "llms": _LLMS,
    "rerankers": _RERANKERS,
}


def instead_of(category: str, name: str) -> str | None:
    """What to use instead of mem0's provider ``name`` in ``category`` (and, for a vector store,
    how to move the memories), or None when mem0 has no such provider either."""
    hint = _INSTEAD.get(category, {}).get(name)
    if hint is None:
        return None
    if category == "stores":
        return f"{hint}; {MOVE_MEMORIES}"
    return hint

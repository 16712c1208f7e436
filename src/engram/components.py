"""Building a Memory's parts (store, embedder, operations) from a config or from instances."""

from __future__ import annotations

import logging
from typing import Any

from engram.config import MemoryConfig
from engram.core.effects import Runtime
from engram.core.graph.settings import DEFAULT_THRESHOLD, GraphSettings
from engram.core.operations import Operations
from engram.embedders.base import CachedEmbedder, Embedder
from engram.exceptions import ConfigurationError
from engram.llms.base import LLM
from engram.registry import get_registry
from engram.stores.base import Store

logger = logging.getLogger("engram")


def coerce_config(config: MemoryConfig | dict[str, Any] | None) -> MemoryConfig:
    """A MemoryConfig from None, a dict in mem0's shape, or a MemoryConfig."""
    if config is None:
        return MemoryConfig()
    if isinstance(config, MemoryConfig):
        return config
    if isinstance(config, dict):
        return MemoryConfig.from_dict(config)
    raise ConfigurationError(
        f"config must be a MemoryConfig or a dict, got {type(config).__name__}",
        config_source=type(config).__name__,
    )


def build(
    config: MemoryConfig,
    embedder: Embedder | None,
    store: Store | None,
    llm: LLM | None = None,
) -> tuple[Runtime, Operations]:
    """Create (or take) the embedder, store and LLM, open the store, wire the operations."""
    if embedder is None:
        embedder = get_registry("embedders").create(
            config.embedder.provider, config.embedder.config
        )
    if not isinstance(embedder, Embedder):
        raise ConfigurationError("embedder must be an engram Embedder", missing_field="embedder")
    if not isinstance(embedder, CachedEmbedder):
        embedder = CachedEmbedder(embedder)
    if llm is None and config.llm is not None:
        llm = get_registry("llms").create(config.llm.provider, config.llm.config)
    if llm is not None and not isinstance(llm, LLM):
        raise ConfigurationError("llm must be an engram LLM", missing_field="llm")
    if store is None:
        store = get_registry("stores").create(
            config.vector_store.provider, config.vector_store.config
        )
    if not isinstance(store, Store):
        raise ConfigurationError(
            "vector_store must be an engram Store", missing_field="vector_store"
        )
    if config.history_db_path:
        logger.info("engram: history_db_path is ignored; history lives in the store itself")
    rerank_top_k = None
    rerank_llm = None
    if config.reranker is not None:
        reranker = get_registry("rerankers").create(
            config.reranker.provider, config.reranker.config
        )
        own = reranker.config.llm_block() if hasattr(reranker.config, "llm_block") else None
        if own is not None:
            rerank_llm = get_registry("llms").create(*own)
        elif llm is None:
            raise ConfigurationError(
                f"the {config.reranker.provider!r} reranker grades results with an LLM, and "
                "none is configured",
                missing_field="llm",
                suggestion='configure an "llm" block (or the reranker\'s own "provider" and '
                '"model"), or remove the "reranker" block',
            )
        rerank_top_k = int(reranker.top_k)
    graph, graph_llm = _graph(config, store, llm)
    store.open(embedder.name, embedder.dimension, embedder.weights)
    operations = Operations(
        config.version,
        has_llm=llm is not None,
        fact_prompt=config.custom_fact_extraction_prompt,
        update_prompt=config.custom_update_memory_prompt,
        vision=llm is not None and llm.enable_vision,
        vision_details=llm.vision_details if llm is not None else "auto",
        rerank_top_k=rerank_top_k,
        graph=graph,
        instructions=config.custom_instructions,
        limits=config.limits,
    )
    return Runtime(store, embedder, llm, rerank_llm, graph_llm), operations


def _graph(
    config: MemoryConfig, store: Store, llm: LLM | None
) -> tuple[GraphSettings | None, LLM | None]:
    """Graph memory's settings (None when it is off) and its own LLM, if it has one."""
    if not config.graph_enabled:
        return None, None
    block = config.graph_store
    provider_name = block.provider if block is not None else None
    if provider_name is None:
        provider_name = (
            "postgres" if type(store).__module__.startswith("engram.stores.postgres") else "sqlite"
        )
    provider = get_registry("graphs").create(
        provider_name, block.config if block is not None else None
    )
    provider.check(store)
    options = provider.config
    graph_llm = None
    if block is not None and block.llm is not None:
        graph_llm = get_registry("llms").create(block.llm.provider, block.llm.config)
    threshold = block.threshold if block is not None else None
    if threshold is None:
        threshold = options.threshold if options.threshold is not None else DEFAULT_THRESHOLD
    custom = (block.custom_prompt if block is not None else None) or options.custom_prompt
    settings = GraphSettings(
        threshold=threshold,
        custom_prompt=custom,
        hops=options.hops,
        with_llm=(graph_llm or llm) is not None,
        own_llm=graph_llm is not None,
    )
    return settings, graph_llm

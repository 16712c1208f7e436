# mem0 v1.0.11, docs/components/rerankers/models/llm_reranker.mdx (block 0); Apache-2.0, see NOTICE.md
from engram import Memory

config = {
    "reranker": {
        "provider": "llm_reranker",
        "config": {
            "provider": "openai",
            "model": "gpt-4o-mini",
            "api_key": "your-openai-api-key"
        }
    }
}

m = Memory.from_config(config)

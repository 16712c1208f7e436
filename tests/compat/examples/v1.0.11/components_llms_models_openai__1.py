# mem0 v1.0.11, docs/components/llms/models/openai.mdx (block 1); Apache-2.0, see NOTICE.md
import os
from engram import Memory

os.environ["OPENAI_API_KEY"] = "your-api-key"

config = {
    "llm": {
        "provider": "openai_structured",
        "config": {
            "model": "gpt-4.1-nano-2025-04-14",
            "temperature": 0.0,
        }
    }
}

m = Memory.from_config(config)

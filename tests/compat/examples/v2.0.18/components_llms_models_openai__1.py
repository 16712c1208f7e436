# mem0 v2.0.18, docs/components/llms/models/openai.mdx (block 1); Apache-2.0, see NOTICE.md
import os
from engram import Memory

os.environ["OPENAI_API_KEY"] = "your-api-key"

config = {
    "llm": {
        "provider": "openai_structured",
        "config": {
            "model": "gpt-5-mini",
            "temperature": 0.0,
        }
    }
}

m = Memory.from_config(config)

# mem0 v2.0.18, docs/integrations/respan.mdx (block 1); Apache-2.0, see NOTICE.md
from engram import Memory
import os

# Configuration
api_key = os.getenv("MEM0_API_KEY")
respan_api_key = os.getenv("RESPAN_API_KEY")
base_url = os.getenv("RESPAN_BASE_URL") # "https://api.respan.ai/api/"

# Set up Mem0 with Respan as the LLM provider
config = {
    "llm": {
        "provider": "openai",
        "config": {
            "model": "gpt-5-mini",
            "temperature": 0.0,
            "api_key": respan_api_key,
            "openai_base_url": base_url,
        },
    }
}

# Initialize Memory
memory = Memory.from_config(config)

# Add a memory
result = memory.add(
    "I like to take long walks on weekends.",
    user_id="alice",
    metadata={"category": "hobbies"},
)

print(result)

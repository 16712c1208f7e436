# mem0 v1.0.11, docs/open-source/features/multimodal-support.mdx (block 0); Apache-2.0, see NOTICE.md
from engram import Memory

client = Memory()

messages = [
    {"role": "user", "content": "Hi, my name is Alice."},
    {
        "role": "user",
        "content": {
            "type": "image_url",
            "image_url": {
                "url": "https://example.com/menu.jpg"
            }
        }
    }
]

client.add(messages, user_id="alice")

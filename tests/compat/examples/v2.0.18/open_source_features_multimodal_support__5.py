# mem0 v2.0.18, docs/open-source/features/multimodal-support.mdx (block 5); Apache-2.0, see NOTICE.md
from engram import Memory

client = Memory()

try:
    messages = [{
        "role": "user",
        "content": {
            "type": "image_url",
            "image_url": {"url": "https://example.com/image.jpg"}
        }
    }]

    client.add(messages, user_id="user123")
    print("Image processed successfully")

except ValueError as exc:
    # Raised when an image_url part is missing its url
    print(f"Invalid image message: {exc}")
except Exception as exc:
    # Raised when the image can't be downloaded or the vision model call fails
    print(f"Could not process image: {exc}")

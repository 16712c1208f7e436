"""mem0's own client, unchanged, against engram: ``engram serve``, a key, ``MemoryClient``.

Needs the server extra and mem0's client: ``pip install ".[server]" mem0ai``. Starts
``engram serve`` on a free port (its store under ``$ENGRAM_HOME``), makes an API key with
``engram keys create``, then talks to the server with ``mem0.MemoryClient(host=...)``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx

os.environ.setdefault("MEM0_TELEMETRY", "false")  # mem0's client reports usage unless told not to


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def main() -> None:
    engram = [sys.executable, "-m", "engram"]
    key = subprocess.run(
        [*engram, "keys", "create", "example"], capture_output=True, text=True, check=True
    ).stdout.strip()
    port = free_port()
    server = subprocess.Popen([*engram, "serve", "--port", str(port), "--log-level", "warning"])
    host = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{host}/ready").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        from mem0 import MemoryClient

        client = MemoryClient(api_key=key, host=host)
        added = client.add("I'm vegetarian and allergic to nuts.", user_id="alex", infer=False)
        memory_id = added["results"][0]["id"]
        print("added:", added["results"][0]["memory"])
        hits = client.search("what should alex not eat?", filters={"user_id": "alex"})
        print("search:", hits["results"][0]["memory"], round(hits["results"][0]["score"], 2))
        client.update(memory_id, text="I'm vegan and allergic to nuts.")
        print("history:", [h["event"] for h in client.history(memory_id)])
        print("all:", [m["memory"] for m in client.get_all(filters={"user_id": "alex"})["results"]])
        client.delete_all(user_id="alex")
        print("after delete_all:", client.get_all(filters={"user_id": "alex"})["count"])
        client.client.close()
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

// The npm mem0ai MemoryClient against an engram server: every memory call mem0's docs show.
// Usage: ENGRAM_URL=http://127.0.0.1:PORT ENGRAM_KEY=engram_... node client.mjs
// Prints one JSON object: each step's outcome, for tests/server/test_npm_client.py to check.
import MemoryClient from "mem0ai";

const client = new MemoryClient({ apiKey: process.env.ENGRAM_KEY, host: process.env.ENGRAM_URL });
const out = {};

const added = await client.add([{ role: "user", content: "I prefer window seats." }], {
  userId: "jo",
  infer: false,
  metadata: { topic: "travel" },
});
out.add = added.results.map((r) => r.event);
const id = added.results[0].id;
await client.add("I collect vinyl records.", { user_id: "jo", infer: false });
await client.add("Someone else", { user_id: "kim", infer: false });

out.get = (await client.get(id)).memory;
const all = await client.getAll({ filters: { user_id: "jo" } });
out.getAll = { count: all.count, results: all.results.length };
out.page = (await client.getAll({ filters: { user_id: "jo" }, page: 1, pageSize: 1 })).results.length;
const found = await client.search("where does jo like to sit on planes?", {
  filters: { user_id: "jo" },
  topK: 1,
});
out.search = found.results.map((r) => r.id === id);
out.update = (await client.update(id, { text: "I prefer aisle seats." })).memory;
out.history = (await client.history(id)).map((h) => h.event);
out.users = (await client.users()).results.map((e) => `${e.type}:${e.name}`).sort();
out.batchUpdate = (await client.batchUpdate([{ memoryId: id, text: "Aisle, always." }])).updated;
out.afterBatch = (await client.get(id)).memory;
out.delete = (await client.delete(id)).message;
try {
  await client.get(id);
  out.missing = "found";
} catch (e) {
  out.missing = e.name;
}
const other = (await client.getAll({ filters: { user_id: "jo" } })).results[0].id;
out.batchDelete = (await client.batchDelete([other])).deleted;
await client.add("Temporary", { user_id: "jo", infer: false });
out.deleteAll = (await client.deleteAll({ userId: "jo" })).deleted;
out.deleteUsers = (await client.deleteUsers({ userId: "kim" })).message;
out.left = (await client.users()).results.length;
console.log(JSON.stringify(out));

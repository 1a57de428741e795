// Load benchmark for `janus serve` (not a test): mixed chat and image requests on loopback from C
// concurrent clients, bounded by a request count and a time limit. Prints p50/p99 latency per kind,
// throughput, errors (429s counted apart: they are the queue's deliberate refusals) and server RSS.
// Usage: node bench/serve_load.mjs URL PID [REQUESTS=40] [CONCURRENCY=4] [SECONDS=120]
import fs from "node:fs";

const [url, pid, total = "40", conc = "4", secs = "120"] = process.argv.slice(2);
const N = Number(total), C = Number(conc), deadline = Date.now() + Number(secs) * 1000;
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;
const PNG = fs.readFileSync(new URL("../tests/data/images/coco_rgba_small.png", import.meta.url)).toString("base64");

const lat = { chat: [], image: [] };
let errors = 0, refused = 0, sent = 0;
async function one(i) {
  const image = i % 5 === 4; // one in five is an image request
  const body = image
    ? { prompt: "a small house", n: 1 }
    : { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64," + PNG } }, { type: "text", text: "What is this?" }] }], max_tokens: 32, stream: i % 2 === 0 };
  const t0 = performance.now();
  const r = await fetch(url + (image ? "/v1/images/generations" : "/v1/chat/completions"), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  await r.arrayBuffer();
  if (r.status === 429) refused++;
  else if (r.status !== 200) errors++;
  else lat[image ? "image" : "chat"].push(performance.now() - t0);
}
// Two equal rounds: RSS after the first (weights touched, caches and buffers warm) against after the
// second shows whether serving grows memory; the first figure is right after the model loaded.
const round = async (until) => {
  await Promise.all(Array.from({ length: C }, async () => {
    while (sent < until && Date.now() < deadline) await one(sent++).catch(() => errors++);
  }));
};
const rss0 = rss(), t0 = performance.now();
await round(Math.ceil(N / 2));
const rss1 = rss();
await round(N);
const wall = (performance.now() - t0) / 1000;
const pct = (a, p) => (a.length ? a.sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor((p / 100) * a.length))] : NaN);
for (const k of ["chat", "image"])
  console.log(`${k}: ${lat[k].length} ok, p50 ${pct(lat[k], 50).toFixed(0)} ms, p99 ${pct(lat[k], 99).toFixed(0)} ms`);
console.log(`requests ${sent} in ${wall.toFixed(1)} s: ${(sent / wall).toFixed(2)} req/s; errors ${errors}; 429 ${refused}`);
console.log(`server RSS ${rss0.toFixed(0)} MiB after loading, ${rss1.toFixed(0)} MiB after round 1, ${rss().toFixed(0)} MiB after round 2`);
process.exit(errors ? 1 : 0);

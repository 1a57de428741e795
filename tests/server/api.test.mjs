// janus serve API tests over real HTTP: the official openai client for both endpoints (plain and
// streaming), raw requests for malformed and hostile input, queueing, cancellation and slow clients.
// Env: JANUS_URL (server started with --api-key sk-test --max-queue 1 --max-body-mb 4 --timeout 2
// --model-id janus-tiny), JANUS_IMAGES (tests/data/images).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import OpenAI from "openai";

const URL_ = process.env.JANUS_URL;
const KEY = "sk-test";
const client = new OpenAI({ baseURL: URL_ + "/v1", apiKey: KEY, maxRetries: 0, timeout: 120000 });
const img = (name, mime) =>
  `data:${mime};base64,` + fs.readFileSync(`${process.env.JANUS_IMAGES}/${name}`).toString("base64");
const PNG = img("coco_rgba_small.png", "image/png");
const JPEG = img("doge_wide_q90.jpg", "image/jpeg");

async function post(path, body, { key = KEY, raw = false } = {}) {
  const headers = { "Content-Type": "application/json" };
  if (key) headers.Authorization = "Bearer " + key;
  const r = await fetch(URL_ + path, { method: "POST", headers, body: raw ? body : JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: r.status, json, text };
}

function assertError(r, status, { param, code } = {}) {
  assert.equal(r.status, status, r.text.slice(0, 300));
  assert.ok(r.json && r.json.error, "OpenAI error body: " + r.text.slice(0, 300));
  assert.equal(typeof r.json.error.message, "string");
  assert.equal(typeof r.json.error.type, "string");
  assert.ok("param" in r.json.error && "code" in r.json.error);
  if (param !== undefined) assert.equal(r.json.error.param, param);
  if (code !== undefined) assert.equal(r.json.error.code, code);
}

async function metric(name) {
  const text = await (await fetch(URL_ + "/metrics")).text();
  const line = text.split("\n").find((l) => l.startsWith(name + " "));
  assert.ok(line, `metric ${name} in\n${text}`);
  return Number(line.split(" ")[1]);
}

async function waitFor(pred, ms, what) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail("timed out waiting for " + what);
}

function pngSize(b64) {
  const b = Buffer.from(b64, "base64");
  assert.equal(b.subarray(1, 4).toString(), "PNG");
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

test("models list and health", async () => {
  const models = await client.models.list();
  assert.deepEqual(models.data.map((m) => m.id), ["janus-tiny"]);
  const h = await (await fetch(URL_ + "/health")).json();
  assert.equal(h.status, "ok");
  assert.equal((await fetch(URL_ + "/v1/models/nope", { headers: { Authorization: "Bearer " + KEY } })).status, 404);
});

test("chat with images (openai client): plain and streamed answers agree", async () => {
  const messages = [
    { role: "system", content: "Be brief." },
    {
      role: "user",
      content: [
        { type: "image_url", image_url: { url: PNG } },
        { type: "text", text: "Describe this image." },
      ],
    },
  ];
  const plain = await client.chat.completions.create({ model: "janus-tiny", messages, max_tokens: 12, temperature: 0 });
  assert.equal(plain.object, "chat.completion");
  assert.match(plain.id, /^chatcmpl-/);
  const choice = plain.choices[0];
  assert.equal(choice.message.role, "assistant");
  assert.ok(choice.message.content.length > 0);
  assert.ok(["stop", "length"].includes(choice.finish_reason));
  assert.ok(plain.usage.prompt_tokens > 576, "an image adds 576 tokens"); // tiny models keep the real count
  assert.equal(plain.usage.total_tokens, plain.usage.prompt_tokens + plain.usage.completion_tokens);

  const stream = await client.chat.completions.create({
    model: "janus-tiny",
    messages,
    max_tokens: 12,
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
  });
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  assert.equal(chunks[0].choices[0].delta.role, "assistant");
  assert.ok(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === chunks[0].id));
  const text = chunks.map((c) => (c.choices[0] && c.choices[0].delta.content) || "").join("");
  assert.equal(text, choice.message.content);
  const fin = chunks.filter((c) => c.choices[0] && c.choices[0].finish_reason);
  assert.equal(fin.length, 1);
  assert.equal(fin[0].choices[0].finish_reason, choice.finish_reason);
  const last = chunks[chunks.length - 1];
  assert.deepEqual(last.choices, []);
  assert.deepEqual(last.usage, plain.usage);
});

test("several images and turns; stop strings; seeds", async () => {
  const r = await client.chat.completions.create({
    model: "janus-tiny",
    max_tokens: 6,
    messages: [
      { role: "user", content: [{ type: "image_url", image_url: { url: PNG } }, { type: "text", text: "What is it?" }] },
      { role: "assistant", content: "A picture." },
      {
        role: "user",
        content: [
          { type: "text", text: "Compare" },
          { type: "image_url", image_url: { url: JPEG } },
          { type: "text", text: "with" },
          { type: "image_url", image_url: { url: PNG } },
        ],
      },
    ],
  });
  assert.ok(r.usage.prompt_tokens > 3 * 576);
  const base = await client.chat.completions.create({ model: "x", messages: [{ role: "user", content: "hello" }], max_tokens: 8 });
  const words = base.choices[0].message.content;
  assert.ok(words.length > 1);
  const stopAt = words.slice(Math.floor(words.length / 2)); // the answer's second half
  const stopped = await client.chat.completions.create({
    model: "x",
    messages: [{ role: "user", content: "hello" }],
    max_tokens: 8,
    stop: [stopAt],
  });
  assert.equal(stopped.choices[0].finish_reason, "stop");
  assert.ok(!stopped.choices[0].message.content.includes(stopAt));
  assert.ok(words.startsWith(stopped.choices[0].message.content));
  const s1 = await client.chat.completions.create({ model: "x", messages: [{ role: "user", content: "hi" }], max_tokens: 6, temperature: 1.5, seed: 7 });
  const s2 = await client.chat.completions.create({ model: "x", messages: [{ role: "user", content: "hi" }], max_tokens: 6, temperature: 1.5, seed: 7 });
  assert.equal(s1.choices[0].message.content, s2.choices[0].message.content);
});

test("image generation (openai client), 768x768 upscale, streamed progress", async () => {
  const r = await client.images.generate({ model: "janus-tiny", prompt: "a red cube", n: 1, size: "768x768", response_format: "b64_json", seed: 3 });
  assert.equal(r.data.length, 1);
  assert.deepEqual(pngSize(r.data[0].b64_json), [768, 768]);

  const res = await fetch(URL_ + "/v1/images/generations", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: "Bearer " + KEY },
    body: JSON.stringify({ prompt: "a red cube", stream: true, seed: 3, temperature: 0, cfg: 4 }),
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /text\/event-stream/);
  const text = await res.text();
  const events = text.trim().split("\n\n");
  assert.equal(events[events.length - 1], "data: [DONE]");
  const payloads = events.slice(0, -1).map((e) => JSON.parse(e.split("\n").find((l) => l.startsWith("data: ")).slice(6)));
  const progress = payloads.filter((p) => p.type === "image_generation.progress");
  assert.ok(progress.length >= 2, "progress events");
  for (let i = 1; i < progress.length; ++i) assert.ok(progress[i].step > progress[i - 1].step);
  assert.equal(progress[progress.length - 1].step, progress[0].total);
  assert.ok(progress.every((p) => p.eta_seconds >= 0 && p.total === 576));
  const done = payloads[payloads.length - 1];
  assert.equal(done.type, "image_generation.completed");
  assert.equal(done.seed, 3);
  assert.equal(done.cfg, 4);
  assert.deepEqual(pngSize(done.data[0].b64_json), [384, 384]);
});

test("invalid image requests are 400s naming the field", async () => {
  const g = (body) => post("/v1/images/generations", body);
  assertError(await g({ prompt: "x", response_format: "url" }), 400, { param: "response_format" });
  assert.match((await g({ prompt: "x", response_format: "url" })).json.error.message, /b64_json/);
  assertError(await g({ prompt: "x", size: "512x512" }), 400, { param: "size" });
  assertError(await g({ prompt: "x", n: 17 }), 400, { param: "n" });
  assertError(await g({ prompt: "x", n: "2" }), 400, { param: "n", code: "invalid_type" });
  assertError(await g({ prompt: "x", steps: 10 }), 400, { param: "steps" });
  assertError(await g({ prompt: "x", temperature: "hot" }), 400, { param: "temperature" });
  assertError(await g({ prompt: "x", cfg: 51 }), 400, { param: "cfg" });
  assertError(await g({ prompt: "" }), 400, { param: "prompt" });
  assertError(await g({ n: 1 }), 400, { param: "prompt" });
  assertError(await g([1, 2]), 400);
});

test("malformed and hostile chat requests", async () => {
  const c = (body, opts) => post("/v1/chat/completions", body, opts);
  const user = (content) => ({ messages: [{ role: "user", content }] });
  assertError(await c("{bad json", { raw: true }), 400, { code: "invalid_json" });
  assertError(await c("", { raw: true }), 400, { code: "invalid_json" });
  assertError(await c("[".repeat(200000), { raw: true }), 400);
  assertError(await c({ messages: "hi" }), 400, { param: "messages" });
  assertError(await c({ messages: [] }), 400, { param: "messages" });
  assertError(await c({ messages: [{ role: "robot", content: "x" }] }), 400, { param: "messages[0].role" });
  assertError(await c({ messages: [{ role: "user", content: 5 }] }), 400, { param: "messages[0].content" });
  assertError(await c({ messages: [{ role: "assistant", content: "x" }] }), 400);
  assertError(await c({ ...user("x"), max_tokens: "10" }), 400, { param: "max_tokens" });
  assertError(await c({ ...user("x"), max_tokens: 0 }), 400, { param: "max_tokens" });
  assertError(await c({ ...user("x"), max_tokens: 1e20 }), 400, { param: "max_tokens" });
  assertError(await c({ ...user("x"), temperature: -1 }), 400, { param: "temperature" });
  assertError(await c({ ...user("x"), stop: 3 }), 400, { param: "stop" });
  assertError(await c({ ...user("x"), stop: ["a", "b", "c", "d", "e"] }), 400, { param: "stop" });
  assertError(await c({ ...user("x"), stream: "yes" }), 400, { param: "stream" });
  assertError(await c({ ...user("x"), n: 2 }), 400, { param: "n" });
  const part = (url) => user([{ type: "image_url", image_url: { url } }, { type: "text", text: "?" }]);
  assertError(await c(part("data:image/png;base64,@@@notbase64")), 400, { code: "invalid_base64" });
  assertError(await c(part("data:image/png;base64,AAAA")), 400, { code: "invalid_image_format" });
  assertError(await c(part("data:text/plain;base64,aGVsbG8=")), 400, { code: "invalid_image_format" });
  assertError(await c(part("https://example.com/cat.png")), 400, { code: "invalid_image_url" });
  assertError(await c(part(42)), 400);
  assertError(await c(user([{ type: "audio", data: "x" }])), 400, { param: "messages[0].content[0].type" });
  // A PNG signature on a truncated file passes the HTTP checks; the engine's decoder refuses it.
  const trunc = "data:image/png;base64," + Buffer.from(fs.readFileSync(`${process.env.JANUS_IMAGES}/coco_rgba_small.png`).subarray(0, 100)).toString("base64");
  assertError(await c(part(trunc)), 400);
  // 10k images: refused by count before any is decoded.
  const many = Array.from({ length: 10000 }, () => ({ type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }));
  const t0 = Date.now();
  assertError(await c(user(many)), 400, { code: "too_many_images" });
  assert.ok(Date.now() - t0 < 5000);
  // A body over --max-body-mb 4: 413 with an OpenAI error body.
  const huge = JSON.stringify(user("x".repeat(5 << 20)));
  assertError(await c(huge, { raw: true }), 413, { code: "request_too_large" });
  // Authentication on /v1/.
  assertError(await c(user("x"), { key: null }), 401, { code: "invalid_api_key" });
  assertError(await c(user("x"), { key: "wrong" }), 401);
  const nf = await fetch(URL_ + "/v1/nothing");
  assert.equal(nf.status, 401); // /v1/ needs the key before anything else
  const nf2 = await fetch(URL_ + "/nothing");
  assert.equal(nf2.status, 404);
  assert.equal((await nf2.json()).error.code, "not_found");
  // Still serving.
  assert.equal((await fetch(URL_ + "/health")).status, 200);
});

test("queue full gives 429; a client that leaves cancels its job", async () => {
  const cancelled0 = await metric('janus_jobs_cancelled_total{kind="image"}');
  // A long job: 4 images, streamed; read until the first progress event, so it is running.
  const ac = new AbortController();
  const long = await fetch(URL_ + "/v1/images/generations", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: "Bearer " + KEY },
    body: JSON.stringify({ prompt: "busy", n: 4, stream: true }),
    signal: ac.signal,
  });
  const reader = long.body.getReader();
  await reader.read();
  assert.equal(await metric("janus_jobs_running"), 1);
  // --max-queue 1: one waits, the next is refused.
  const queued = post("/v1/chat/completions", { messages: [{ role: "user", content: "hi" }], max_tokens: 2 });
  await waitFor(async () => (await metric("janus_queue_length")) === 1, 5000, "queued job");
  const refused = await post("/v1/chat/completions", { messages: [{ role: "user", content: "hi" }], max_tokens: 2 });
  assertError(refused, 429, { code: "queue_full" });
  assert.ok((await metric("janus_queue_full_total")) >= 1);
  // The streaming client leaves: its job stops at the next step, long before 4 images are done.
  const t0 = Date.now();
  ac.abort();
  await waitFor(async () => (await metric('janus_jobs_cancelled_total{kind="image"}')) === cancelled0 + 1, 5000, "cancellation");
  const q = await queued;
  assert.equal(q.status, 200, q.text.slice(0, 300));
  assert.ok(Date.now() - t0 < 5000);

  // The same for a non-streaming request whose client disconnects.
  const ac2 = new AbortController();
  const p = fetch(URL_ + "/v1/images/generations", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: "Bearer " + KEY },
    body: JSON.stringify({ prompt: "gone", n: 4 }),
    signal: ac2.signal,
  }).catch(() => null);
  await waitFor(async () => (await metric("janus_jobs_running")) === 1, 5000, "running job");
  ac2.abort();
  await p;
  await waitFor(async () => (await metric('janus_jobs_cancelled_total{kind="image"}')) === cancelled0 + 2, 5000, "cancellation");
  await waitFor(async () => (await metric("janus_jobs_running")) === 0, 5000, "idle engine");
});

test("slow clients are dropped after --timeout without blocking others", async () => {
  const u = new URL(URL_);
  const sock = net.connect(Number(u.port), u.hostname);
  await new Promise((r) => sock.once("connect", r));
  // Half a request, then silence: the server answers 400 once --timeout (2 s) passes.
  sock.write("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-test\r\nContent-Length: 100\r\n\r\n{\"messages\":");
  const t0 = Date.now();
  const answer = new Promise((resolve) => {
    let got = "";
    sock.on("data", (d) => {
      got += d;
      if (got.includes("\r\n\r\n")) resolve(got);
    });
    sock.on("close", () => resolve(got));
  });
  sock.on("error", () => {});
  const h = await fetch(URL_ + "/health");
  assert.equal(h.status, 200, "others are served meanwhile");
  const got = await answer;
  sock.destroy();
  assert.match(got, /^HTTP\/1\.1 400/);
  const waited = Date.now() - t0;
  assert.ok(waited >= 1500 && waited < 6000, `answered after ${waited} ms`);
  assert.equal((await fetch(URL_ + "/health")).status, 200);
});

test("metrics: Prometheus text with requests, errors, tokens, images, latency", async () => {
  const text = await (await fetch(URL_ + "/metrics")).text();
  for (const name of [
    "janus_queue_length",
    'janus_requests_total{endpoint="/v1/chat/completions",status="200"}',
    'janus_errors_total{endpoint="/v1/chat/completions"}',
    "janus_completion_tokens_total",
    "janus_tokens_per_second",
    "janus_images_generated_total",
    'janus_request_duration_seconds_bucket{endpoint="/v1/chat/completions",le="+Inf"}',
  ])
    assert.ok(text.includes(name + " "), name);
  assert.ok((await metric("janus_images_generated_total")) >= 2);
  assert.ok((await metric("janus_completion_tokens_total")) > 0);
});

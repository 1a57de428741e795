// janus.cpp web UI: chat about images (streamed answers) and image generation (live progress),
// over the server's own OpenAI-compatible endpoints. Plain browser JavaScript, no dependencies.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { history: [], attachments: [], busy: false, flow: false };

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) h.Authorization = "Bearer " + key;
  return h;
}
$("api-key").value = localStorage.getItem("janus-api-key") || "";
$("api-key").addEventListener("change", () => localStorage.setItem("janus-api-key", $("api-key").value.trim()));

// Tabs.
for (const b of document.querySelectorAll(".tab")) b.addEventListener("click", () => showTab(b.dataset.tab));
function showTab(name) {
  for (const b of document.querySelectorAll(".tab")) b.classList.toggle("active", b.dataset.tab === name);
  for (const p of document.querySelectorAll(".panel")) p.classList.toggle("active", p.id === name);
}

// Server status and model kind (JanusFlow takes steps instead of a temperature).
async function probe() {
  try {
    const r = await fetch("/health");
    const j = await r.json();
    if (j.status === "ok") {
      $("model").textContent = j.model + " (" + j.kind + ")";
      state.flow = j.kind === "JanusFlow";
      $("steps-label").hidden = !state.flow;
      $("temp-label").hidden = state.flow;
      return;
    }
    $("model").textContent = j.status === "loading" ? "loading model…" : "error: " + (j.message || j.status);
  } catch (e) {
    $("model").textContent = "server unreachable";
  }
  setTimeout(probe, 1000);
}
probe();

// Reads a Server-Sent Events response, calling onData with each parsed JSON payload.
async function readSSE(response, onData) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      for (const line of block.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        if (data === "[DONE]") return;
        onData(JSON.parse(data));
      }
    }
  }
}

async function errorText(r) {
  try {
    const j = await r.json();
    return (j.error && j.error.message) || r.statusText;
  } catch (e) {
    return r.status + " " + r.statusText;
  }
}

// ---------------------------------------------------------------- chat

function fileToDataURL(file) {
  return new Promise((resolve, reject) => {
    const fr = new FileReader();
    fr.onload = () => resolve(fr.result);
    fr.onerror = () => reject(fr.error);
    fr.readAsDataURL(file);
  });
}

async function attachFiles(files) {
  for (const f of files) {
    if (!/^image\/(png|jpeg|webp)$/.test(f.type)) continue;
    state.attachments.push(await fileToDataURL(f));
  }
  renderAttachments();
}

function renderAttachments() {
  const box = $("attachments");
  box.replaceChildren();
  state.attachments.forEach((url, i) => {
    const fig = document.createElement("figure");
    const img = document.createElement("img");
    img.src = url;
    img.alt = "attachment " + (i + 1);
    const x = document.createElement("button");
    x.type = "button";
    x.textContent = "×";
    x.title = "remove";
    x.onclick = () => {
      state.attachments.splice(i, 1);
      renderAttachments();
    };
    fig.append(img, x);
    box.append(fig);
  });
}

$("file").addEventListener("change", (e) => {
  attachFiles(e.target.files);
  e.target.value = "";
});
$("prompt").addEventListener("paste", (e) => {
  const files = [...e.clipboardData.items].filter((it) => it.kind === "file").map((it) => it.getAsFile());
  if (files.length) {
    e.preventDefault();
    attachFiles(files);
  }
});
const drop = $("drop");
drop.addEventListener("dragover", (e) => {
  e.preventDefault();
  drop.classList.add("dragging");
});
drop.addEventListener("dragleave", () => drop.classList.remove("dragging"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("dragging");
  attachFiles(e.dataTransfer.files);
});
$("prompt").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) {
    e.preventDefault();
    $("chat-form").requestSubmit();
  }
});
$("new-chat").addEventListener("click", () => {
  state.history = [];
  $("messages").replaceChildren();
});

function addMessage(role, text, images) {
  const div = document.createElement("div");
  div.className = "msg " + role;
  for (const url of images || []) {
    const img = document.createElement("img");
    img.src = url;
    img.alt = "image";
    div.append(img);
  }
  const span = document.createElement("span");
  span.textContent = text;
  div.append(span);
  $("messages").append(div);
  div.scrollIntoView({ block: "end" });
  return span;
}

$("chat-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("prompt").value.trim();
  if (state.busy || (!text && !state.attachments.length)) return;
  const images = state.attachments.splice(0);
  renderAttachments();
  $("prompt").value = "";
  addMessage("user", text, images);
  const content = [...images.map((url) => ({ type: "image_url", image_url: { url } })), { type: "text", text }];
  state.history.push({ role: "user", content });
  const out = addMessage("assistant", "");
  out.parentElement.classList.add("pending");
  state.busy = true;
  $("send").disabled = true;
  let answer = "";
  try {
    const r = await fetch("/v1/chat/completions", {
      method: "POST",
      headers: headers(),
      body: JSON.stringify({
        messages: state.history,
        stream: true,
        max_tokens: Number($("max-tokens").value) || 256,
      }),
    });
    if (!r.ok) throw new Error(await errorText(r));
    await readSSE(r, (chunk) => {
      if (chunk.error) throw new Error(chunk.error.message);
      const delta = chunk.choices && chunk.choices[0] && chunk.choices[0].delta;
      if (delta && delta.content) {
        answer += delta.content;
        out.textContent = answer;
      }
    });
    state.history.push({ role: "assistant", content: answer });
    out.parentElement.classList.add("done");
  } catch (err) {
    state.history.pop();
    out.parentElement.className = "msg error";
    out.textContent = "Error: " + err.message;
  } finally {
    out.parentElement.classList.remove("pending");
    state.busy = false;
    $("send").disabled = false;
  }
});

// ---------------------------------------------------------------- images

function addToGallery(b64, prompt, seed) {
  const url = "data:image/png;base64," + b64;
  const fig = document.createElement("figure");
  const img = document.createElement("img");
  img.src = url;
  img.alt = prompt;
  img.title = prompt + (seed !== undefined ? " (seed " + seed + ")" : "");
  const cap = document.createElement("figcaption");
  const dl = document.createElement("a");
  dl.href = url;
  dl.download = "janus-" + (seed !== undefined ? seed : Date.now()) + ".png";
  dl.textContent = "Download";
  const describe = document.createElement("button");
  describe.type = "button";
  describe.textContent = "Describe this image";
  describe.onclick = () => {
    state.attachments.push(url);
    renderAttachments();
    $("prompt").value = "Describe this image.";
    showTab("chat");
    $("prompt").focus();
  };
  cap.append(dl, describe);
  fig.append(img, cap);
  $("gallery").prepend(fig);
}

$("image-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const prompt = $("image-prompt").value.trim();
  if (!prompt) return;
  const body = { prompt, n: Number($("n").value) || 1, size: $("size").value, response_format: "b64_json", stream: true };
  if ($("seed").value !== "") body.seed = Number($("seed").value);
  if ($("cfg").value !== "") body.cfg = Number($("cfg").value);
  if (state.flow) body.steps = Number($("steps").value) || 30;
  else if ($("temperature").value !== "") body.temperature = Number($("temperature").value);
  $("generate").disabled = true;
  $("progress-wrap").hidden = false;
  $("progress").value = 0;
  $("progress-text").textContent = "queued…";
  try {
    const r = await fetch("/v1/images/generations", { method: "POST", headers: headers(), body: JSON.stringify(body) });
    if (!r.ok) throw new Error(await errorText(r));
    await readSSE(r, (ev) => {
      if (ev.error) throw new Error(ev.error.message);
      if (ev.type === "image_generation.progress") {
        $("progress").value = ev.progress;
        $("progress-text").textContent =
          ev.step + " / " + ev.total + " (" + Math.round(ev.progress * 100) + "%), ETA " + ev.eta_seconds.toFixed(1) + " s";
      } else if (ev.type === "image_generation.completed") {
        $("progress").value = 1;
        $("progress-text").textContent = "done (seed " + ev.seed + ")";
        ev.data.forEach((d, i) => addToGallery(d.b64_json, prompt, i === 0 ? ev.seed : ev.seed + "-" + (i + 1)));
      }
    });
  } catch (err) {
    $("progress-text").textContent = "Error: " + err.message;
  } finally {
    $("generate").disabled = false;
  }
});

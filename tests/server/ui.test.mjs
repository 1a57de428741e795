// Browser end to end: Playwright (playwright-core) drives Debian's chromium headless against the
// embedded web UI. Env: JANUS_URL, JANUS_IMAGES, SHOTS (screenshot folder), CHROMIUM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const URL_ = process.env.JANUS_URL;
const SHOTS = process.env.SHOTS;

test("chat with an uploaded image, then generate an image and describe it", async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(URL_ + "/");
    await page.waitForFunction(() => document.getElementById("model").textContent.includes("Janus"));

    // Upload an image and ask: a streamed answer appears.
    await page.setInputFiles("#file", `${process.env.JANUS_IMAGES}/coco_rgba_small.png`);
    await page.waitForSelector("#attachments img");
    await page.fill("#max-tokens", "16");
    await page.fill("#prompt", "Describe this image.");
    await page.click("#send");
    await page.waitForSelector(".msg.assistant.done", { timeout: 60000 });
    const answer = await page.textContent(".msg.assistant.done span");
    assert.ok(answer.length > 0, "an answer appears");
    assert.equal(await page.locator(".msg.user img").count(), 1);
    await page.screenshot({ path: `${SHOTS}/chat.png`, fullPage: true });

    // Generate: the progress bar moves, then an image appears in the gallery.
    await page.click("#tab-image");
    await page.fill("#image-prompt", "a lighthouse at dusk");
    await page.fill("#seed", "5");
    await page.click("#generate");
    await page.waitForFunction(() => {
      const v = document.getElementById("progress").value;
      return v > 0 && v < 1;
    }, null, { timeout: 60000 });
    await page.screenshot({ path: `${SHOTS}/progress.png`, fullPage: true });
    await page.waitForSelector("#gallery figure img", { timeout: 120000 });
    const w = await page.$eval("#gallery figure img", async (img) => {
      await img.decode();
      return img.naturalWidth;
    });
    assert.equal(w, 384);
    assert.match(await page.getAttribute("#gallery a", "download"), /\.png$/);
    await page.screenshot({ path: `${SHOTS}/gallery.png`, fullPage: true });

    // "Describe this image" sends the generated picture to the chat.
    await page.click("#gallery button");
    await page.waitForSelector("#chat.active #attachments img");
    await page.click("#send");
    await page.waitForFunction(() => document.querySelectorAll(".msg.assistant.done").length === 2, null, { timeout: 60000 });
    assert.equal(await page.locator(".msg.user img").count(), 2);
    await page.screenshot({ path: `${SHOTS}/describe.png`, fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

// The studio's index.html in a real browser: Playwright (playwright-core) drives Debian's chromium
// headless over file://. Every creative of the manifest must be shown (its image decoded, not broken),
// with all its candidates and exactly one chosen. Env: SHEET (index.html path), MANIFEST, SHOTS, CHROMIUM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

test("the contact sheet shows every creative with its candidates and scores", async () => {
  const manifest = JSON.parse(readFileSync(process.env.MANIFEST, "utf8"));
  const done = manifest.creatives.filter((c) => c.status === "done");
  assert.ok(done.length >= 2, "the run made creatives");
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(pathToFileURL(process.env.SHEET).href);
    await page.waitForLoadState("load");
    const shown = await page.evaluate(() =>
      [...document.querySelectorAll("section.creative")].map((s) => ({
        id: s.dataset.id,
        final: (() => {
          const img = s.querySelector("img.final");
          return img ? img.complete && img.naturalWidth > 0 : false;
        })(),
        candidates: [...s.querySelectorAll("figure.candidate img")].map((i) => i.complete && i.naturalWidth > 0),
        chosen: s.querySelectorAll("figure.candidate.chosen").length,
        rect: (() => {
          const r = s.getBoundingClientRect();
          return { w: r.width, h: r.height };
        })(),
      })),
    );
    assert.equal(shown.length, manifest.creatives.length, "one section per creative");
    for (const c of done) {
      const s = shown.find((x) => x.id === c.id);
      assert.ok(s, `creative ${c.id} is on the sheet`);
      assert.ok(s.final, `creative ${c.id}: its image loads`);
      assert.equal(s.candidates.length, c.candidates.length, `${c.id}: every candidate shown`);
      assert.ok(s.candidates.every(Boolean), `${c.id}: every candidate image loads`);
      assert.equal(s.chosen, 1, `${c.id}: exactly one chosen candidate`);
      assert.ok(s.rect.w > 100 && s.rect.h > 100, `${c.id}: visible`);
    }
    await page.screenshot({ path: `${process.env.SHOTS}/index.png`, fullPage: true });
  } finally {
    await browser.close();
  }
});

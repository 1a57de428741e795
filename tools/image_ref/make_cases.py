#!/usr/bin/python3
"""Generates the image decode/preprocess test cases and their Pillow reference outputs.

Run (Debian python3 + python3-pil + numpy; no torch needed):
    /usr/bin/python3 tools/image_ref/make_cases.py [--shared /work/shared/images]

Writes tests/data/images/: the input files (various formats/modes, some cut from the real test images in
/work/shared/images), and for each case the Pillow references as 8-bit RGB PNG:
  <name>.rgb.png   Image.open(f).convert("RGB")
  <name>.pad.png   official VLMImageProcessor resize+pad with Janus params (mean 0.5 -> bg 127)
  <name>.flow.png  same with JanusFlow's CLIP mean (bg 122,116,104), for some cases
  <name>.bic_WxH.png / <name>.lan_WxH.png   Image.resize(..., BICUBIC / LANCZOS) at extra sizes
plus cases.json describing them. Crafted files (interlaced/16-bit PNG, odd BMPs, GIF with an offset
frame) are written by the small encoders below because Pillow cannot produce them.
"""
import argparse
import io
import json
import os
import struct
import zlib

import numpy as np
import PIL
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "..", "tests", "data", "images"))
RNG = np.random.default_rng(1234)

JANUS = dict(image_size=384, min_size=14, mean=(0.5, 0.5, 0.5))
FLOW = dict(image_size=384, min_size=14, mean=(0.48145466, 0.4578275, 0.40821073))


# ---------------------------------------------------------------- reference preprocessing (official code)
def official_resize_pad(img, p):
    """VLMImageProcessor.resize without torch: torchvision's resize on a PIL image is Image.resize(BICUBIC)."""
    width, height = img.size
    max_size = max(width, height)
    size = [max(int(height / max_size * p["image_size"]), p["min_size"]),
            max(int(width / max_size * p["image_size"]), p["min_size"])]
    img = img.resize((size[1], size[0]), Image.BICUBIC)
    bg = tuple(int(x * 255) for x in p["mean"])
    w, h = img.size
    if w == h:
        return img
    if w > h:
        res = Image.new(img.mode, (w, w), bg)
        res.paste(img, (0, (w - h) // 2))
    else:
        res = Image.new(img.mode, (h, h), bg)
        res.paste(img, ((h - w) // 2, 0))
    return res


# ---------------------------------------------------------------- synthetic content
def synth(w, h, seed=0):
    """Gradients + hard-edged shapes + noise: exercises clamping and ringing of the resize kernels."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 255 * (x / max(w - 1, 1))
    g = 255 * (y / max(h - 1, 1))
    b = 127.5 + 127.5 * np.sin((x + 2 * y) / 7.0)
    a = np.stack([r, g, b], -1)
    a[(x // 9 + y // 9) % 2 == 0] = [255, 255, 255]
    a[(x - w / 2) ** 2 + (y - h / 2) ** 2 < (min(w, h) / 4) ** 2] = [0, 0, 0]
    a += rng.normal(0, 4, a.shape)
    return np.clip(a, 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- tiny encoders for crafted files
def _chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)


def _pack_rows(a, bd):
    """a: [h, w, c] ints -> list of packed row bytes."""
    rows = []
    for r in a:
        flat = r.reshape(-1)
        if bd == 16:
            rows.append(flat.astype(">u2").tobytes())
        elif bd == 8:
            rows.append(flat.astype(np.uint8).tobytes())
        else:
            bits = "".join(format(int(v), "0%db" % bd) for v in flat)
            bits += "0" * (-len(bits) % 8)
            rows.append(bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)))
    return rows


def png_bytes(a, bd, ct, palette=None, trns=None, interlace=False):
    h, w = a.shape[:2]
    a = a.reshape(h, w, -1)
    raw = b""
    if interlace:
        for xs, ys, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4),
                               (1, 0, 2, 2), (0, 1, 1, 2)]:
            sub = a[ys::dy, xs::dx]
            if sub.shape[0] and sub.shape[1]:
                raw += b"".join(b"\0" + r for r in _pack_rows(sub, bd))
    else:
        raw = b"".join(b"\0" + r for r in _pack_rows(a, bd))
    out = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bd, ct, 0, 0, int(interlace)))
    if palette is not None:
        out += _chunk(b"PLTE", bytes(np.asarray(palette, np.uint8).reshape(-1)))
    if trns is not None:
        out += _chunk(b"tRNS", trns)
    return out + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")


def bmp_bytes(w, h, bits, pixel_rows, palette=None, compression=0, masks=None, header_size=40,
              top_down=False):
    """pixel_rows: list of h packed rows (top row first), unpadded."""
    stride = ((w * bits + 31) >> 3) & ~3
    body = b"".join(r + b"\0" * (stride - len(r)) for r in (pixel_rows if top_down else pixel_rows[::-1]))
    if header_size == 12:
        info = struct.pack("<IHHHH", 12, w, h, 1, bits)
        pal = b"".join(bytes([c[2], c[1], c[0]]) for c in palette) if palette is not None else b""
    else:
        info = struct.pack("<IiiHHIIiiII", header_size, w, -h if top_down else h, 1, bits, compression,
                           len(body), 2835, 2835, len(palette) if palette is not None else 0, 0)
        if header_size >= 52:
            m = list(masks or [0, 0, 0, 0]) + [0] * 4
            info += struct.pack("<IIII", *m[:4])[: header_size - 40]
            info += b"\0" * (header_size - len(info))
        elif compression == 3:
            info += struct.pack("<III", *masks[:3])
        pal = b"".join(bytes([c[2], c[1], c[0], 0]) for c in palette) if palette is not None else b""
    offset = 14 + len(info) + len(pal)
    return b"BM" + struct.pack("<IHHI", offset + len(body), 0, 0, offset) + info + pal + body


def gif_bytes(screen_w, screen_h, frame, left, top, global_pal=None, local_pal=None, transparency=None,
              interlace=False, code_size=None):
    """Minimal GIF89a writer: uncompressed-style LZW (literals only, periodic clear codes)."""
    fh, fw = frame.shape

    def table(p):
        n = len(p)
        bits = max(1, int(np.ceil(np.log2(n))))
        p = list(p) + [(0, 0, 0)] * ((1 << bits) - n)
        return bits, bytes(np.asarray(p, np.uint8).reshape(-1))

    out = b"GIF89a"
    flags = 0
    gtab = b""
    if global_pal is not None:
        bits, gtab = table(global_pal)
        flags = 0x80 | ((bits - 1) << 4) | (bits - 1)
    out += struct.pack("<HHBBB", screen_w, screen_h, flags, 0, 0) + gtab
    if transparency is not None:
        out += bytes([0x21, 0xF9, 4, 1, 0, 0, transparency, 0])
    lflags = 0x40 if interlace else 0
    ltab = b""
    if local_pal is not None:
        bits, ltab = table(local_pal)
        lflags |= 0x80 | (bits - 1)
    out += b"," + struct.pack("<HHHHB", left, top, fw, fh, lflags) + ltab
    rows = list(range(fh))
    if interlace:
        rows = list(range(0, fh, 8)) + list(range(4, fh, 8)) + list(range(2, fh, 4)) + list(range(1, fh, 2))
    pixels = np.concatenate([frame[r] for r in rows]).tolist()
    cs = code_size or max(2, int(np.ceil(np.log2(int(max(pixels)) + 1))))
    clear, eoi, width = 1 << cs, (1 << cs) + 1, cs + 1
    codes = [clear]
    run = 0
    for p in pixels:
        codes.append(p)
        run += 1
        if run == (1 << cs) - 3:
            codes.append(clear)
            run = 0
    codes.append(eoi)
    acc = nbits = 0
    data = bytearray()
    for c in codes:
        acc |= c << nbits
        nbits += width
        while nbits >= 8:
            data.append(acc & 255)
            acc >>= 8
            nbits -= 8
    if nbits:
        data.append(acc & 255)
    out += bytes([cs])
    for i in range(0, len(data), 255):
        blk = data[i:i + 255]
        out += bytes([len(blk)]) + bytes(blk)
    return out + b"\0;"


# ---------------------------------------------------------------- case list
def pil_bytes(img, fmt, **kw):
    b = io.BytesIO()
    img.save(b, fmt, **kw)
    return b.getvalue()


def build_cases(shared):
    cases = []  # (name, ext, bytes, extra)

    def add(name, ext, data, flow=False, bic=(), lan=(), pad=True):
        cases.append(dict(name=name, ext=ext, data=data, flow=flow, bic=list(bic), lan=list(lan), pad=pad))

    def shared_img(fname):
        return Image.open(os.path.join(shared, fname))

    # --- derived from the real images
    add("equation_real", "png", open(os.path.join(shared, "janus_equation.png"), "rb").read(), flow=True)
    doge = shared_img("janus_doge.png").convert("RGB")
    add("doge_wide_q90", "jpg", pil_bytes(doge.crop((0, 200, 1200, 620)).resize((600, 210), Image.BICUBIC),
                                           "JPEG", quality=90), lan=[(700, 245), (300, 105)])
    # (The DeepSeek-VL dog/monday pictures have an unclear licence, so only Janus-repo and COCO images are used.)
    add("doge_tall_progressive", "jpg",
        pil_bytes(doge.crop((700, 0, 960, 620)).resize((180, 430), Image.BICUBIC), "JPEG", quality=85,
                  progressive=True, subsampling=2), flow=True)
    coco_rgb = shared_img("coco_000000039769.png").convert("RGB")
    alpha = Image.linear_gradient("L").resize((230, 214))
    coco_rgba = coco_rgb.resize((230, 214), Image.BICUBIC)
    coco_rgba.putalpha(alpha)
    add("coco_rgba_small", "png", pil_bytes(coco_rgba, "PNG"), lan=[(460, 428)])
    pie = shared_img("janus_pie_chart.png").convert("RGB").resize((320, 240), Image.BICUBIC)
    add("pie_palette", "png", pil_bytes(pie.quantize(64), "PNG"))
    coco = shared_img("coco_000000039769.png").convert("L").resize((384, 288), Image.BICUBIC)
    add("coco_gray_384w", "png", pil_bytes(coco, "PNG"), flow=True)
    add("coco_gray_jpeg", "jpg", pil_bytes(coco.crop((0, 0, 200, 150)), "JPEG", quality=80), pad=False)
    add("pie_gif", "gif", pil_bytes(pie.crop((40, 20, 240, 170)).quantize(100), "GIF"))
    cmyk = doge.crop((300, 100, 700, 400)).resize((160, 120), Image.BICUBIC).convert("CMYK")
    add("doge_cmyk", "jpg", pil_bytes(cmyk, "JPEG", quality=92))

    # --- synthetic, sizes/aspects
    add("square_384", "png", pil_bytes(Image.fromarray(synth(384, 384, 1)), "PNG"))
    add("square_450_down", "png", pil_bytes(Image.fromarray(synth(450, 450, 2)), "PNG"),
        bic=[(333, 250), (1, 1)], lan=[(123, 456)])
    add("tiny_5x3", "png", pil_bytes(Image.fromarray(synth(5, 3, 3)), "PNG"), flow=True,
        bic=[(17, 9)], lan=[(40, 24)])
    add("very_wide_1000x20", "png", pil_bytes(Image.fromarray(synth(1000, 20, 4)), "PNG"))
    add("very_tall_12x900", "png", pil_bytes(Image.fromarray(synth(12, 900, 5)), "PNG"), flow=True)
    add("odd_margin_383x200", "png", pil_bytes(Image.fromarray(synth(383, 200, 6)), "PNG"))
    la = Image.fromarray(synth(150, 201, 7)).convert("LA")
    add("la_150x201", "png", pil_bytes(la, "PNG"))
    p = Image.fromarray(synth(97, 61, 8)).quantize(16)
    add("p_trns_97x61", "png", pil_bytes(p, "PNG", transparency=3))
    one = Image.fromarray(synth(123, 77, 9)).convert("1")
    add("mode1_123x77", "png", pil_bytes(one, "PNG"))
    add("mode1_bmp", "bmp", pil_bytes(one, "BMP"), pad=False)
    i16 = (synth(64, 48, 10)[..., 0].astype(np.uint16) * 4).astype(np.uint16)  # 0..1020: clamps above 255
    add("gray16_64x48", "png", pil_bytes(Image.fromarray(i16), "PNG"))
    add("rgb16_interlaced", "png", png_bytes((synth(45, 33, 11).astype(np.uint16) * 257
                                               + RNG.integers(0, 256, (33, 45, 3))), 16, 2, interlace=True), pad=False)
    add("rgba16_la16", "png", png_bytes(np.concatenate([synth(20, 30, 12).astype(np.uint16) * 250,
                                                        RNG.integers(0, 65536, (30, 20, 1))], -1), 16, 6), pad=False)
    add("la16_gray", "png", png_bytes(np.stack([synth(31, 17, 13)[..., 1].astype(np.uint16) * 256 + 7,
                                                RNG.integers(0, 65536, (17, 31))], -1), 16, 4), pad=False)
    add("gray2_interlaced", "png", png_bytes(RNG.integers(0, 4, (19, 23)), 2, 0, interlace=True), pad=False)
    add("gray4", "png", png_bytes(RNG.integers(0, 16, (13, 29)), 4, 0, trns=b"\0\5"), pad=False)
    pal = RNG.integers(0, 256, (5, 3))
    add("pal4_short_plte", "png",
        png_bytes(RNG.integers(0, 16, (21, 11)), 4, 3, palette=pal, trns=bytes([0, 128])), pad=False)
    add("pal8_interlaced", "png", png_bytes(RNG.integers(0, 256, (40, 50)), 8, 3,
                                            palette=RNG.integers(0, 256, (256, 3)), interlace=True), pad=False)
    add("rgb_webp_lossy", "webp", pil_bytes(Image.fromarray(synth(300, 200, 14)), "WEBP", quality=80))
    rgba = Image.fromarray(np.concatenate([synth(120, 90, 15), RNG.integers(0, 256, (90, 120, 1),
                                                                             dtype=np.uint8)], -1), "RGBA")
    add("rgba_webp_lossless", "webp", pil_bytes(rgba, "WEBP", lossless=True, exact=True))
    add("rgba_webp_lossy", "webp", pil_bytes(rgba.resize((100, 100)), "WEBP", quality=70))
    add("rgb_bmp24", "bmp", pil_bytes(Image.fromarray(synth(131, 75, 16)), "BMP"))
    add("p_bmp8", "bmp", pil_bytes(Image.fromarray(synth(70, 50, 17)).quantize(200), "BMP"))
    s = synth(50, 40, 18)
    add("bmp32_topdown", "bmp", bmp_bytes(50, 40, 32, [np.concatenate([s[y][:, ::-1], np.full((50, 1), 9, np.uint8)],
                                                                       1).tobytes() for y in range(40)], top_down=True))
    idx4 = RNG.integers(0, 16, (21, 33))
    add("bmp4_core", "bmp", bmp_bytes(33, 21, 4, _pack_rows(idx4, 4), palette=RNG.integers(0, 256, (16, 3)),
                                      header_size=12), pad=False)
    p565 = RNG.integers(0, 65536, (17, 23)).astype("<u2")
    add("bmp16_565", "bmp", bmp_bytes(23, 17, 16, [r.tobytes() for r in p565], compression=3,
                                      masks=(0xF800, 0x7E0, 0x1F)), pad=False)
    add("bmp16_555_v5", "bmp", bmp_bytes(23, 17, 16, [r.tobytes() for r in p565], header_size=124,
                                         top_down=True), pad=False)
    frame = RNG.integers(0, 12, (30, 41))  # indices 8..11 are past the 8-entry table
    add("gif_offset_trns_interlaced", "gif",
        gif_bytes(60, 45, frame, 7, 9, global_pal=RNG.integers(0, 256, (8, 3)), transparency=5, interlace=True,
                  code_size=4))
    add("gif_frame_outside_screen", "gif",
        gif_bytes(20, 10, RNG.integers(0, 4, (16, 25)), 3, 2, local_pal=RNG.integers(0, 256, (4, 3))), pad=False)
    return cases


def save_rgb(img, path):
    """Plain 8-bit RGB PNG; rebuilt from the pixels so no tRNS/palette info leaks into the reference."""
    Image.fromarray(np.asarray(img.convert("RGB"))).save(path, optimize=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "images")))
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    manifest = {"pillow": PIL.__version__, "cases": []}
    for c in build_cases(args.shared):
        fname = c["name"] + "." + c["ext"]
        with open(os.path.join(OUT, fname), "wb") as f:
            f.write(c["data"])
        im = Image.open(io.BytesIO(c["data"]))
        mode, fmt = im.mode, im.format
        rgb = im.convert("RGB")
        entry = dict(name=c["name"], file=fname, format=fmt, pil_mode=mode, width=rgb.width, height=rgb.height)
        if fmt == "PNG" and mode == "RGB" and im.info.get("interlace", 0) == 0:
            entry["rgb"] = fname  # already plain 8-bit RGB: the input is its own reference
        else:
            entry["rgb"] = c["name"] + ".rgb.png"
            save_rgb(rgb, os.path.join(OUT, entry["rgb"]))
        if c["pad"]:
            pad = official_resize_pad(rgb, JANUS)
            if pad.size == rgb.size and np.array_equal(np.asarray(pad), np.asarray(rgb)):
                entry["pad"] = entry["rgb"]  # 384x384 input: no resize, no pad
            else:
                entry["pad"] = c["name"] + ".pad.png"
                save_rgb(pad, os.path.join(OUT, entry["pad"]))
        if c["flow"]:
            save_rgb(official_resize_pad(rgb, FLOW), os.path.join(OUT, c["name"] + ".flow.png"))
            entry["flow"] = c["name"] + ".flow.png"
        entry["resizes"] = []
        for kind, sizes, flt in (("bicubic", c["bic"], Image.BICUBIC), ("lanczos", c["lan"], Image.LANCZOS)):
            for w, h in sizes:
                f = "%s.%s_%dx%d.png" % (c["name"], kind[:3], w, h)
                save_rgb(rgb.resize((w, h), flt), os.path.join(OUT, f))
                entry["resizes"].append(dict(filter=kind, width=w, height=h, file=f))
        manifest["cases"].append(entry)
        print("%-28s %-5s %-5s %4dx%-4d" % (c["name"], fmt, mode, rgb.width, rgb.height))
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    for m in ("Janus-Pro-1B", "JanusFlow-1.3B"):
        src = os.path.join(args.shared, "..", "models", m, "preprocessor_config.json")
        if os.path.exists(src):
            with open(src) as fi, open(os.path.join(OUT, "preprocessor_config.%s.json" % m), "w") as fo:
                fo.write(fi.read())


if __name__ == "__main__":
    main()

// Writes tests/data/tokenizer/corpus.jsonl: a deterministic, varied set of strings for
// tokenizer conformance tests (one JSON string per line). Run: node make_corpus.js
'use strict';
const fs = require('fs');
const path = require('path');

// Small seeded PRNG (mulberry32) so the corpus is identical on every run.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(20240521);
const pick = (arr) => arr[Math.floor(rand() * arr.length)];
const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

const sentences = [
  // English
  'Hello, how are you?', 'The quick brown fox jumps over the lazy dog.',
  "I'm sure you'll love it — it's the best we've ever made!", 'Describe this image in detail.',
  'A stunning princess from kabul in red, white traditional clothing, blue eyes, brown hair',
  'Convert the formula into latex code.', "Don't panic. It's only 3:45 p.m. on 2024-10-20.",
  'e.g. U.S.A., Mr. Smith, Ph.D., #hashtag @mention https://example.com/path?q=1&x=2',
  'naïve café résumé coöperate façade jalapeño', 'ALL CAPS SHOUTING and MiXeD cAsE words',
  // German
  'Der Führer des Bootes ist über die Brücke gegangen.', 'Schöne Grüße aus München! Straße, Maß, Äpfel, Öl, Übung.',
  'Können Sie mir bitte helfen? Ich möchte ein Bild generieren.',
  // Indonesian
  'Selamat pagi! Apa kabar? Saya ingin memesan nasi goreng dan es teh manis.',
  'Gambarlah pemandangan gunung berapi saat matahari terbenam di Bali.',
  // French / Spanish / misc Latin
  "Où est la bibliothèque? C'est à côté de l'église.", '¿Dónde está el baño? ¡Muchas gracias!',
  'Ångström, Øresund, Þingvellir, æsir, œuvre, ß, ĳ, ŉ', 'ÀÁÂÃÄÅ àáâãäå ÿ ý þ ð ø ö ú õ ÷ û ù',
  // Chinese
  '请描述这张图片的内容。', '一只可爱的小猫坐在窗台上，阳光洒在它的身上。', '生成一幅山水画，风格类似宋代。',
  '深度求索（DeepSeek）发布了Janus多模态模型。', '我爱北京天安门，天安门上太阳升。',
  // Japanese
  'こんにちは、世界！今日はいい天気ですね。', '東京タワーの夜景を描いてください。', 'カタカナとひらがなと漢字が混ざった文章です。ｶﾀｶﾅ',
  // Korean
  '안녕하세요! 만나서 반갑습니다.', '서울의 밤거리를 그려 주세요. 네온사인이 빛나는 풍경으로.',
  // Arabic / Hebrew / Persian
  'مرحبا بالعالم! كيف حالك اليوم؟', 'ارسم صورة لجمل في الصحراء عند الغروب.', 'שלום עולם, מה שלומך?', 'سلام دنیا، حال شما چطور است؟',
  // Cyrillic / Greek
  'Привет, мир! Как дела? Съешь же ещё этих мягких французских булок.', 'Ёжик в тумане, щука и ъ.',
  'Γειά σου Κόσμε! Ωραία μέρα σήμερα. ΐ ΰ ᾳ ῷ ϐ ϑ', 'Їжак, ґанок, є, і — українська мова.',
  // Indic / SE Asian / others
  'नमस्ते दुनिया! आप कैसे हैं?', 'ভালো আছি, ধন্যবাদ।', 'สวัสดีครับ ยินดีที่ได้รู้จัก', 'ខ្ញុំស្រលាញ់អ្នក', 'Xin chào thế giới! Tiếng Việt có dấu.',
  'ሰላም ለዓለም', 'Բարեւ աշխարհ', 'გამარჯობა მსოფლიო', 'ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ', 'ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ',
  // Emoji incl. ZWJ sequences, flags, skin tones, keycaps
  '🙂😀🎉🔥', '👨‍👩‍👧‍👦 family', '🏳️‍🌈 pride', '👍🏽 thumbs', '🇩🇪🇮🇩🇯🇵 flags', '1️⃣2️⃣#️⃣', '🧑🏿‍🚀 astronaut',
  'I ❤️ NY ☕️ ✨', '👩‍💻 coding at 3am 😴💤',
  // Code snippets
  'def f(x):\n    return x ** 2 + 1\n', 'for (int i = 0; i < n; ++i) { sum += a[i]; }',
  'const x = {"key": [1, 2, 3], \'b\': null};', '#include <stdio.h>\nint main(void) {\n\tprintf("hi\\n");\n}\n',
  'SELECT * FROM users WHERE id = 42 AND name LIKE \'%bob%\';', '<div class="a">&nbsp;&amp;</div>',
  '$ cmake -G Ninja -S . -B build && ninja -C build', 'x=1;y=2\r\nz=x+y\r\n', 'λx. x + 1 // lambda → arrow ⇒ ∀ ∃ ∈ ≠ ≤',
  // Whitespace
  '   leading spaces', 'trailing spaces   ', '\t\ttabs\tin\tthe\tmiddle\t', 'a\r\nb\r\n\r\nc', '\n\n\n', ' ', '  ', '\t', '\r\n',
  'multiple     spaces    between', '\u00a0non-breaking\u00a0space', 'ideographic\u3000space', 'en\u2002em\u2003thin\u2009',
  'line\u2028sep\u2029para', 'next\u0085line', 'mongolian\u180evowel', 'zero\u200bwidth\u200cjoin\u200dx', 'bom\ufeffhere',
  // Digits
  '3', '33', '333', '3333', '33333', '123456789', '0.5 + 0.25 = 0.75', 'Call 555-0199 or +1 (800) 123-4567.',
  'Year 2024, 1,234,567.89 USD, 3.14159265358979', '٣٤٥ Arabic-Indic digits, ४२ Devanagari, ½ ¾ ² ³ Ⅻ ①',
  // Special tokens embedded in text
  '<image_placeholder>', '<image_placeholder>\nDescribe this image.', 'User: <image_placeholder>\nWhat is this?\n\nAssistant:',
  '<|User|>: <image_placeholder>\nConvert the formula into latex code.\n\n<|Assistant|>:',
  '<|User|>: A cat\n\n<|Assistant|>:<begin_of_image>', 'Hello<｜end▁of▁sentence｜>User: next',
  '<｜begin▁of▁sentence｜>already has bos', '<｜▁pad▁｜><｜▁pad▁｜><｜▁pad▁｜>', 'x<end_of_image>y<begin_of_image>z',
  '<image_placeholder><image_placeholder>', '< image_placeholder>', '<image_placeholder', 'image_placeholder>',
  '<|User|><|Assistant|>', '<|ref|>cat<|/ref|><|det|>[[1,2,3,4]]<|/det|>', '<|grounding|>find it', '<patch_placeholder>',
  'User: A dog\n\nAssistant:<｜begin▁of▁generation｜>', '<image_beg> <image_end>',
  // Marketing-style prompts
  'Ultra-realistic 8K product photo of a sleek smartwatch on a marble table, soft studio lighting, bokeh, award-winning.',
  'A cozy coffee shop logo, minimalist, pastel colors, vector art, trending on ArtStation!!!',
  'Buy 2, get 1 FREE — limited time only!!! 50% off everything 🛍️ #BlackFriday',
  'Cinematic shot of a cyberpunk city at night, neon lights, rain-soaked streets, 35mm, f/1.8 --ar 16:9 --v 6',
  'Generate an image: futuristic electric car 🚗⚡, glossy red paint, (masterpiece:1.2), [best quality]',
];

const fragments = [
  'the', ' the', 'The', ' of', ' and', 'cat', ' dog', 'ing', 'tion', ' running', "'s", "'re", "'ve", "'ll", "'d", "'m", "'t",
  'München', 'Straße', 'über', 'kabar', 'saya', '的', '是', '中国', '人工智能', 'こんにちは', 'カタカナ', '한국어', '안녕',
  'مرحبا', 'Привет', 'мир', 'Ωμέγα', '🙂', '👨‍👩‍👧', '🏳️‍🌈', '👍🏿', '✨', '1', '22', '333', '4444', '2024', '0.5', '½',
  ' ', '  ', '   ', '\t', '\n', '\r\n', '\r', '\n\n', '\u00a0', '\u3000', '\u2009', '\u180e', '\u0085', '\u200b',
  '!', '?', '...', ',', '.', ':', ';', '-', '--', '(', ')', '[', ']', '{', '}', '"', "'", '`', '~', '@', '#', '$', '%', '^',
  '&', '*', '_', '=', '+', '|', '\\', '/', '<', '>', '！', '？', '，', '。', '、', '“', '”', '‘', '’', '—', '…',
  '<image_placeholder>', '<｜end▁of▁sentence｜>', '<｜begin▁of▁sentence｜>', '<|User|>', '<|Assistant|>', '<｜▁pad▁｜>',
  '<begin_of_image>', '<end_of_image>', '<｜begin▁of▁generation｜>', 'ø', 'ö', 'ú', 'ÿ', 'õ', '÷', 'û', 'ý', 'À', 'ù', 'Á', 'þ', 'ü',
  'def', ' return', '()', '{}', '=>', '->', '::', '&&', '||', '!=', '==', '<=', '>=', 'x86_64', 'camelCase', 'snake_case', 'HTTP2',
];

// Code point ranges to sample random characters from (no surrogates).
const ranges = [
  [0x20, 0x7e], [0x09, 0x0d], [0xa0, 0xff], [0x100, 0x24f], [0x370, 0x3ff], [0x400, 0x4ff], [0x590, 0x6ff], [0x900, 0x97f],
  [0xe00, 0xe7f], [0x1780, 0x17ff], [0x1e00, 0x1fff], [0x2000, 0x206f], [0x2100, 0x218f], [0x2190, 0x22ff], [0x3000, 0x30ff],
  [0x4e00, 0x9fff], [0xac00, 0xd7a3], [0xff00, 0xffef], [0x1f300, 0x1f6ff], [0x1f900, 0x1f9ff], [0x10400, 0x1044f],
  [0x1e900, 0x1e94b], [0x20000, 0x2a6df], [0xe000, 0xe0ff], [0x80, 0x9f],
];
function randomChar() {
  const [lo, hi] = pick(ranges);
  return String.fromCodePoint(randInt(lo, hi));
}

const out = [];
const seen = new Set();
const add = (s) => {
  if (!seen.has(s)) {
    seen.add(s);
    out.push(s);
  }
};
add('');
for (const s of sentences) add(s);
// Pairs of sentences joined with assorted separators.
const seps = [' ', '\n', '\n\n', '\r\n', '\t', '  ', '', '<image_placeholder>', ' <|User|> ', '<｜end▁of▁sentence｜>'];
while (out.length < 700) add(pick(sentences) + pick(seps) + pick(sentences));
// Random fragment soups.
while (out.length < 1700) {
  const n = randInt(1, 14);
  let s = '';
  for (let i = 0; i < n; i++) s += pick(fragments);
  add(s);
}
// Random code point strings and mixtures.
while (out.length < 2100) {
  const n = randInt(1, 24);
  let s = '';
  for (let i = 0; i < n; i++) s += rand() < 0.7 ? randomChar() : pick(fragments);
  add(s);
}
// Digit runs and whitespace runs of many lengths.
for (let n = 1; n <= 40; n++) {
  add('7'.repeat(n));
  add(' '.repeat(n) + 'x');
  add('x' + ' '.repeat(n));
  add('\t'.repeat(n % 7 + 1) + '\n'.repeat(n % 5) + ' '.repeat(n % 3) + 'end');
}
// A few long lines.
for (let i = 0; i < 10; i++) {
  let s = '';
  while (s.length < 2000) s += pick(sentences) + pick(seps);
  add(s);
}
add('a'.repeat(3000));
add('中'.repeat(1500));
add('😀'.repeat(300));

const file = path.join(__dirname, '../../tests/data/tokenizer/corpus.jsonl');
fs.writeFileSync(file, out.map((s) => JSON.stringify(s)).join('\n') + '\n');
console.log(`wrote ${out.length} strings to ${file}`);

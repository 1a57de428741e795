// Renders the official Janus prompt (janus.md §5.1-§5.4, janusflow.md §4.2) and tokenizes it with
// Hugging Face `tokenizers` (npm, from tools/tokenizer_ref/node_modules) the way VLChatProcessor does:
// missing processor tags are added as special tokens first (in the processor's order), then
// encode(text) with the file's post-processor (BOS). Writes {"ids": [...], "prompt": "...", "tags": {...}}
// (plus "conversation": the turns, with --conversation).
//
// node tools/reference/tokenize_prompt.js --tokenizer DIR --roles pro|plain --flow 0|1
//      (--question "Q" | --gen-prompt "P" | --conversation TURNS.json) --out FILE
//
// TURNS.json: [{"role": "user"|"assistant", "content": "...", "n_images": k}, ...], user first, roles
// alternating (conversation.py picks the separator by message index, not by role). Like the engine's
// request format, a user turn with k images and no image tag gets k "<image_placeholder>\n" before its
// text; otherwise its tag count must equal k. A final user turn is followed by the empty assistant turn.
'use strict';
const fs = require('fs');
const path = require('path');
const { Tokenizer } = require(path.join(__dirname, '../tokenizer_ref/node_modules/tokenizers'));

const SYSTEM =
  'You are a helpful language and vision assistant. You are able to understand the visual content that ' +
  'the user provides, and assist the user with a variety of tasks using natural language.';

function arg(name, def) {
  const i = process.argv.indexOf('--' + name);
  if (i < 0) {
    if (def === undefined) throw new Error(`missing --${name}`);
    return def;
  }
  return process.argv[i + 1];
}

// Python str.strip(): the characters str.isspace() accepts (JS trim() differs: it keeps U+001C-U+001F and
// U+0085 and strips U+FEFF).
const PY_SPACE = '[\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PY_STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'g');
const pyStrip = (s) => s.replace(PY_STRIP, '');

// DeepSeek separator style: role + ": " + msg + ("\n\n" | EOS) by message parity; empty msg -> role + ":".
function render(system, messages) {
  let out = system === '' ? '' : system + '\n\n';
  messages.forEach(([role, msg], i) => {
    msg = pyStrip(msg);
    out += msg ? role + ': ' + msg + (i % 2 === 0 ? '\n\n' : '<｜end▁of▁sentence｜>') : role + ':';
  });
  return pyStrip(out);
}

// Official-template messages for a conversation file (see the header); errors name the file and turn.
function conversationMessages(file, user, assistant, imageTag) {
  const turns = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!Array.isArray(turns) || turns.length === 0) throw new Error(`${file}: expected a non-empty list of turns`);
  const msgs = turns.map((t, i) => {
    const where = `${file}: turn ${i}`;
    const want = i % 2 === 0 ? 'user' : 'assistant';
    if (t.role !== want) throw new Error(`${where}: role must be "${want}" (alternating, user first)`);
    if (typeof t.content !== 'string') throw new Error(`${where}: content must be a string`);
    const n = t.n_images === undefined ? 0 : t.n_images;
    if (!Number.isInteger(n) || n < 0) throw new Error(`${where}: n_images must be a non-negative integer`);
    if (n > 0 && t.role !== 'user') throw new Error(`${where}: only user turns carry images`);
    const tags = t.content.split(imageTag).length - 1;
    let text = t.content;
    if (tags === 0 && n > 0) text = (imageTag + '\n').repeat(n) + text;
    else if (tags !== n) throw new Error(`${where}: ${tags} ${imageTag} tag(s) but n_images ${n}`);
    return [t.role === 'user' ? user : assistant, text];
  });
  if (turns[turns.length - 1].role === 'user') msgs.push([assistant, '']);
  else if (pyStrip(turns[turns.length - 1].content) !== '')
    throw new Error(`${file}: the last turn must be the user's`);
  return msgs;
}

async function main() {
  const dir = arg('tokenizer');
  const pro = arg('roles') === 'pro';
  const flow = arg('flow', '0') === '1';
  const [user, assistant] = pro ? ['<|User|>', '<|Assistant|>'] : ['User', 'Assistant'];
  const pcPath = path.join(dir, 'processor_config.json');
  const pc = fs.existsSync(pcPath) ? JSON.parse(fs.readFileSync(pcPath, 'utf8')) : {};
  const imageTag = pc.image_tag || '<image_placeholder>';
  const startTag = pc.image_start_tag || '<begin_of_image>';
  const endTag = pc.image_end_tag || '<end_of_image>';
  const tags = flow ? [imageTag, pc.image_gen_tag || '<｜begin▁of▁generation｜>', startTag, endTag] : [imageTag];

  const tok = Tokenizer.fromFile(path.join(dir, 'tokenizer.json'));
  for (const t of tags) if (tok.tokenToId(t) === null) tok.addSpecialTokens([t]);

  let prompt;
  const q = arg('question', null);
  const conv = arg('conversation', null);
  if (conv !== null) {
    prompt = render(SYSTEM, conversationMessages(conv, user, assistant, imageTag));
  } else if (q !== null) {
    prompt = render(SYSTEM, [[user, imageTag + '\n' + q], [assistant, '']]);
  } else {
    prompt = render('', [[user, arg('gen-prompt')], [assistant, '']]) + startTag;
  }
  const ids = (await tok.encode(prompt, null, { addSpecialTokens: true })).getIds();
  const tagIds = {};
  for (const t of [imageTag, startTag, endTag, '<｜▁pad▁｜>']) tagIds[t] = tok.tokenToId(t);
  const res = { ids, prompt, tags: tagIds };
  // The turns travel with the ids so that tests can replay the same conversation through the engine.
  if (conv !== null) res.conversation = JSON.parse(fs.readFileSync(conv, 'utf8'));
  fs.writeFileSync(arg('out'), JSON.stringify(res) + '\n');
}

main().catch((e) => {
  console.error(e.message || e);
  process.exit(1);
});

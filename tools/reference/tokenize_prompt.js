// Renders the official Janus prompt (janus.md §5.1-§5.4, janusflow.md §4.2) and tokenizes it with
// Hugging Face `tokenizers` (npm, from tools/tokenizer_ref/node_modules) the way VLChatProcessor does:
// missing processor tags are added as special tokens first (in the processor's order), then
// encode(text) with the file's post-processor (BOS). Writes {"ids": [...], "prompt": "...", "tags": {...}}.
//
// node tools/reference/tokenize_prompt.js --tokenizer DIR --roles pro|plain --flow 0|1
//      (--question "Q" | --gen-prompt "P") --out FILE
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

// DeepSeek separator style: role + ": " + msg + ("\n\n" | EOS) by message parity; empty msg -> role + ":".
function render(system, messages) {
  let out = system === '' ? '' : system + '\n\n';
  messages.forEach(([role, msg], i) => {
    msg = msg.trim();
    out += msg ? role + ': ' + msg + (i % 2 === 0 ? '\n\n' : '<｜end▁of▁sentence｜>') : role + ':';
  });
  return out.trim();
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
  if (q !== null) {
    prompt = render(SYSTEM, [[user, imageTag + '\n' + q], [assistant, '']]);
  } else {
    prompt = render('', [[user, arg('gen-prompt')], [assistant, '']]) + startTag;
  }
  const ids = (await tok.encode(prompt, null, { addSpecialTokens: true })).getIds();
  const tagIds = {};
  for (const t of [imageTag, startTag, endTag, '<｜▁pad▁｜>']) tagIds[t] = tok.tokenToId(t);
  fs.writeFileSync(arg('out'), JSON.stringify({ ids, prompt, tags: tagIds }) + '\n');
}

main().catch((e) => {
  console.error(e.message || e);
  process.exit(1);
});

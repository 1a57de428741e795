// Encodes tests/data/tokenizer/corpus.jsonl with Hugging Face `tokenizers` (node bindings, the
// version pinned in package-lock.json) for every shared/models/*/tokenizer.json and writes the
// reference ids the C++ tests compare against. Run: npm ci && node make_expected.js
//
// Output per model, tests/data/tokenizer/expected_<model>.jsonl, one line per corpus line:
//   {"ids":[...]}            encode(text, addSpecialTokens=false)
//   "d": "..."               decode(ids, skipSpecialTokens=false), only when it differs from text
//   "ds": "..."              decode(ids, skipSpecialTokens=true), only when it differs from text
// The first line is a header: {"model":..., "template_prefix":[...], "template_suffix":[...]}. The
// script checks that encode(text, addSpecialTokens=true) == prefix + ids + suffix for every line,
// i.e. the file's post_processor only wraps the sequence (for these files: prefix = [BOS]).
//
// tests/data/tokenizer/processor.json records the Janus processor rule: the processor's tags that
// are missing from the vocabulary are added with add_special_tokens (ids HF assigns) and a few
// strings are encoded after that.
'use strict';
const fs = require('fs');
const path = require('path');
const { Tokenizer } = require('tokenizers');

const root = path.join(__dirname, '../..');
const modelsDir = process.env.JANUS_MODELS_DIR || path.join(root, '../shared/models');
const dataDir = path.join(root, 'tests/data/tokenizer');
const corpus = fs
  .readFileSync(path.join(dataDir, 'corpus.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.length > 0)
  .map((l) => JSON.parse(l));

const models = ['Janus-1.3B', 'Janus-Pro-1B', 'JanusFlow-1.3B'];

// Tags the official VLChatProcessor checks (and adds when missing), in its order.
// janus/models/processing_vlm.py: image_tag only.
// janus/janusflow/models/processing_vlm.py: image_tag, image_gen_tag, image_start_tag, image_end_tag.
function processorTags(model) {
  const cfg = JSON.parse(fs.readFileSync(path.join(modelsDir, model, 'processor_config.json'), 'utf8'));
  const imageTag = cfg.image_tag || '<image_placeholder>';
  if (!model.startsWith('JanusFlow')) return [imageTag];
  return [
    imageTag,
    cfg.image_gen_tag || '<｜begin▁of▁generation｜>',
    cfg.image_start_tag || '<begin_of_image>',
    cfg.image_end_tag || '<end_of_image>',
  ];
}

function arraysEqual(a, b) {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

async function main() {
  const processor = {};
  for (const model of models) {
    const file = path.join(modelsDir, model, 'tokenizer.json');
    const tok = Tokenizer.fromFile(file);
    const lines = [];
    let prefix = null;
    let suffix = null;
    for (const text of corpus) {
      const ids = (await tok.encode(text, null, { addSpecialTokens: false })).getIds();
      const withSpecial = (await tok.encode(text, null, { addSpecialTokens: true })).getIds();
      if (prefix === null) {
        // The empty first line: everything the template adds.
        if (ids.length !== 0) throw new Error('corpus must start with the empty string');
        prefix = withSpecial.slice();
        suffix = [];
      }
      if (!arraysEqual(withSpecial, prefix.concat(ids, suffix))) {
        throw new Error(`${model}: post_processor is not a plain wrapper for ${JSON.stringify(text)}`);
      }
      const rec = { ids };
      const d = await tok.decode(ids, false);
      if (d !== text) rec.d = d;
      const ds = await tok.decode(ids, true);
      if (ds !== text) rec.ds = ds;
      lines.push(JSON.stringify(rec));
    }
    const header = JSON.stringify({ model, template_prefix: prefix, template_suffix: suffix, count: corpus.length });
    fs.writeFileSync(path.join(dataDir, `expected_${model}.jsonl`), [header, ...lines].join('\n') + '\n');

    // Processor rule: add missing tags as special tokens, in order.
    const tags = processorTags(model);
    const sizeBefore = tok.getVocabSize(true);
    const added = [];
    for (const tag of tags) {
      if (tok.tokenToId(tag) === null) {
        tok.addSpecialTokens([tag]);
        added.push(tag);
      }
    }
    const samples = [
      'User: <image_placeholder>\nWhat is this?\n\nAssistant:',
      'User: A cat\n\nAssistant:<image_beg>',
      '<image_placeholder><image_end><｜begin▁of▁generation｜><begin_of_image><end_of_image>',
      'x<image_placeholder>y',
    ];
    const encoded = [];
    for (const s of samples) {
      encoded.push({ text: s, ids: (await tok.encode(s, null, { addSpecialTokens: false })).getIds() });
    }
    processor[model] = {
      tags,
      added,
      ids: Object.fromEntries(tags.map((t) => [t, tok.tokenToId(t)])),
      vocab_size_with_added_before: sizeBefore,
      vocab_size_with_added_after: tok.getVocabSize(true),
      encoded,
    };
    console.log(`${model}: ${corpus.length} cases, template prefix ${JSON.stringify(prefix)}, added ${JSON.stringify(added)}`);
  }
  fs.writeFileSync(path.join(dataDir, 'processor.json'), JSON.stringify(processor, null, 1) + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

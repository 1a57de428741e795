// Writes tests/data/tokenizer/variants.json: the Janus-1.3B vocabulary with other pre-tokenizer,
// normalizer, added-token and model settings, and the ids HF `tokenizers` gives for a set of
// strings under each, so the C++ loader is checked beyond the three shipped files.
// Run: node make_variants.js
'use strict';
const fs = require('fs');
const path = require('path');
const { Tokenizer } = require('tokenizers');

const root = path.join(__dirname, '../..');
const modelsDir = process.env.JANUS_MODELS_DIR || path.join(root, '../shared/models');
const base = JSON.parse(fs.readFileSync(path.join(modelsDir, 'Janus-1.3B/tokenizer.json'), 'utf8'));
const corpus = fs.readFileSync(path.join(root, 'tests/data/tokenizer/corpus.jsonl'), 'utf8')
  .split('\n').filter((l) => l).map((l) => JSON.parse(l));
const texts = corpus.filter((_, i) => i % 8 === 0).concat([
  'a <mask>  b', 'x [R]   y', 'word words sword word_ word', 'ab ab\tab', '  padded\t\t', '١٢٣ 123 4.5 ½',
  "it's we've they'll I'd", 'x   \n  y', 'aaa xx bbb', 'MASK<mask><mask>', '\tfoo\tbar\t',
]);
const bl = (prefix, regex) => ({ type: 'ByteLevel', add_prefix_space: prefix, trim_offsets: true, use_regex: regex });
const tok = (content, extra) => Object.assign({ id: 0, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }, extra);

const variants = {
  gpt2_bytelevel: { pre_tokenizer: bl(true, true) },
  gpt2_no_prefix: { pre_tokenizer: bl(false, true) },
  split_string_merged_prev: { pre_tokenizer: { type: 'Sequence', pretokenizers: [
    { type: 'Split', pattern: { String: ' ' }, behavior: 'MergedWithPrevious', invert: false }, bl(false, false)] } },
  split_digits_merged_next: { pre_tokenizer: { type: 'Sequence', pretokenizers: [
    { type: 'Split', pattern: { Regex: '\\d+' }, behavior: 'MergedWithNext', invert: false }, bl(false, false)] } },
  split_invert_contiguous: { pre_tokenizer: { type: 'Sequence', pretokenizers: [
    { type: 'Split', pattern: { Regex: '[a-z]+' }, behavior: 'Contiguous', invert: true }, bl(false, false)] } },
  split_removed_digits_contiguous: { pre_tokenizer: { type: 'Sequence', pretokenizers: [
    { type: 'Split', pattern: { Regex: '\\s+' }, behavior: 'Removed', invert: false },
    { type: 'Digits', individual_digits: false }, bl(false, false)] } },
  split_empty_matches: { pre_tokenizer: { type: 'Sequence', pretokenizers: [
    { type: 'Split', pattern: { Regex: 'x*' }, behavior: 'Isolated', invert: false }, bl(false, false)] } },
  added_flags: {
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Replace', pattern: { String: '\t' }, content: ' ' }, { type: 'Strip', strip_left: true, strip_right: true }] },
    extra_added: [tok('<mask>', { lstrip: true }), tok('[R]', { rstrip: true }), tok('word', { single_word: true, special: false }),
      tok('ab ab', { normalized: true, special: false }), tok('MASK', { single_word: true, lstrip: true, rstrip: true })],
  },
  ignore_merges: { model: { ignore_merges: true } },
};

async function main() {
  const out = {};
  for (const [name, v] of Object.entries(variants)) {
    const j = JSON.parse(JSON.stringify(base));
    if (v.pre_tokenizer) j.pre_tokenizer = v.pre_tokenizer;
    if (v.normalizer) j.normalizer = v.normalizer;
    if (v.extra_added) j.added_tokens = j.added_tokens.concat(v.extra_added);
    if (v.model) Object.assign(j.model, v.model);
    const t = Tokenizer.fromString(JSON.stringify(j));
    const cases = [];
    for (const s of texts) cases.push([s, (await t.encode(s, null, { addSpecialTokens: false })).getIds()]);
    const patch = Object.assign({}, v);
    out[name] = { patch, cases };
  }
  fs.writeFileSync(path.join(root, 'tests/data/tokenizer/variants.json'), JSON.stringify(out) + '\n');
  console.log(`wrote ${Object.keys(out).length} variants x ${texts.length} strings`);
}
main().catch((e) => { console.error(e); process.exit(1); });

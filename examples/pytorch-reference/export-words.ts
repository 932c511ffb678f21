// Writes the words split and the recipe of a `pnpm words` run, so train_words.py trains PyTorch on exactly
// the same words with the same settings: train.txt, val.txt, test.txt (one word per line, in the run's
// order) and config.json (the run's settings, the vocabulary, the sequence length).
// Run from examples/char-lm with the flags of `pnpm words`:
//   node --import tsx ../pytorch-reference/export-words.ts --dir /tmp/words-mlp --model mlp [--max-words n …]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFlags, path } from '@tensile/examples-common';
import { charLmFlags, loadWordData, resolveConfig } from '../char-lm/src/run.js';

const { values } = parseFlags({ ...charLmFlags(), dir: path('where to write the split and config.json', { default: '/tmp/tensile-words' }) }, process.argv.slice(2));
const dir = values.dir ?? '/tmp/tensile-words';
const config = resolveConfig(values);
const data = await loadWordData(config);
mkdirSync(dir, { recursive: true });
for (const part of ['train', 'val', 'test'] as const) writeFileSync(join(dir, `${part}.txt`), `${data[part].join('\n')}\n`);
writeFileSync(join(dir, 'config.json'), `${JSON.stringify({ ...config, vocab: data.vocab.tokens, length: data.length }, null, 2)}\n`);
console.log(`${config.model}: ${data.train.length} / ${data.val.length} / ${data.test.length} words and config.json → ${dir}`);

#!/usr/bin/env node
// Writes the documentation that the code already says, so it is never written twice:
// - docs/cli.md: every command, its usage, options (with defaults) and examples, from the program;
// - the error-code table in docs/errors.md (between its error-codes markers), from
//   src/core/errorCodes.ts.
// Both are formatted by Biome, as the rest of the docs. `--check` fails if a checked-in file
// differs (CI runs it). Reads the built CLI: run `npm run build` first (`npm ci` does).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const load = (path) => import(pathToFileURL(join(root, 'dist', 'src', path)).href);
const { buildProgram } = await load('cli.js');
const { COMMAND_EXAMPLES } = await load('commands/examples.js');
const { ERROR_CODES, EXIT } = await load('core/errorCodes.js');
const check = process.argv.includes('--check');

const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
// Unaligned: Biome aligns the columns when it formats the page (below).
const table = (rows) =>
  [rows[0], rows[0].map(() => '---'), ...rows.slice(1)]
    .map((r) => `| ${r.join(' | ')} |`)
    .join('\n');

// ——— docs/cli.md ———
const program = await buildProgram();
const sections = [];
const visit = (command, path) => {
  const name = ['pocompute', ...path].join(' ');
  const lines = [`## ${path.length ? path.join(' ') : 'pocompute'}`, '', command.description(), ''];
  lines.push('```', `${name} ${command.usage()}`.trim(), '```', '');
  const options = command.options.filter((o) => !o.hidden);
  if (options.length)
    lines.push(
      table([
        ['option', 'what it does', 'default'],
        ...options.map((o) => [
          `\`${cell(o.flags)}\``,
          cell(o.description),
          o.defaultValue === undefined ? '' : `\`${cell(JSON.stringify(o.defaultValue))}\``,
        ]),
      ]),
      '',
    );
  if (command.commands.length)
    lines.push(
      `Subcommands: ${command.commands.map((c) => `[${c.name()}](#${[...path, c.name()].join('-')})`).join(', ')}.`,
      '',
    );
  const examples = COMMAND_EXAMPLES[path.length ? path.join(' ') : 'pocompute'];
  if (examples?.length) lines.push('```sh', ...examples, '```', '');
  sections.push(lines.join('\n'));
  for (const sub of command.commands) visit(sub, [...path, sub.name()]);
};
for (const command of program.commands) visit(command, [command.name()]);
const cli = `# CLI reference

Every command, option and default, generated from the program itself (\`npm run docs\`; CI checks
it is current). Every command also takes \`-h, --help\`; guides are in the other pages of docs/.

${sections.join('\n')}`;

// ——— the error-code table ———
const exitName = Object.fromEntries(Object.entries(EXIT).map(([name, code]) => [code, name]));
const codes = table([
  ['code', 'exit', 'when', 'hint'],
  ...Object.entries(ERROR_CODES).map(([code, e]) => [
    code,
    `${e.exit} (${exitName[e.exit]})`,
    cell(e.when),
    cell(e.hint),
  ]),
]);
const errorsPath = join(root, 'docs', 'errors.md');
const errors = readFileSync(errorsPath, 'utf8');
const START = '<!-- error-codes:start -->';
const END = '<!-- error-codes:end -->';
if (!errors.includes(START) || !errors.includes(END))
  throw new Error(`${errorsPath} has no ${START} … ${END} block`);
const newErrors = errors.replace(
  new RegExp(`${START}[\\s\\S]*${END}`),
  () => `${START}\n${codes}\n${END}`,
);

const biome = join(root, 'node_modules', '.bin', 'biome');
const formatted = (path, text) =>
  execFileSync(biome, ['format', `--stdin-file-path=${path}`], { input: text, encoding: 'utf8' });
let stale = 0;
for (const [path, text] of [
  [join(root, 'docs', 'cli.md'), cli],
  [errorsPath, newErrors],
]) {
  const want = formatted(path, text);
  let have = '';
  try {
    have = readFileSync(path, 'utf8');
  } catch {}
  if (have === want) continue;
  if (check) {
    console.error(`${path} is not what the code says: run \`npm run docs\``);
    stale++;
  } else {
    writeFileSync(path, want);
    console.log(`wrote ${path}`);
  }
}
process.exit(stale ? 1 : 0);

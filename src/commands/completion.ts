import { Command } from 'commander';
import { PocomputeError } from '../core/errors.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

/** One command path (`market deploy`) with its subcommands and long options. */
interface CommandWords {
  path: string[];
  description: string;
  subcommands: string[];
  options: string[];
}

/**
 * `pocompute completion bash|zsh|fish`: a completion script made from the program itself (every
 * command, subcommand and long option), so it cannot drift from the CLI. The action is given the
 * root program, which the CLI builds with every command for this one.
 */
export function completionCommand(): Command {
  return new Command('completion')
    .description('Print a shell completion script: bash, zsh or fish')
    .argument('<shell>', SHELLS.join(' | '))
    .action((shell: string, _options, command: Command) => {
      if (!(SHELLS as readonly string[]).includes(shell))
        throw new PocomputeError('USAGE', `no completion for the shell "${shell}"`, {
          hint: `Choose one of: ${SHELLS.join(', ')}.`,
        });
      const root = command.parent ?? command;
      process.stdout.write(completionScript(shell as Shell, commandWords(root)));
    });
}

/** Every command path of the program, root first. */
export function commandWords(root: Command): CommandWords[] {
  const all: CommandWords[] = [];
  const visit = (command: Command, path: string[]) => {
    all.push({
      path,
      description: command.description().split('\n')[0],
      subcommands: command.commands.map((c) => c.name()),
      options: [
        ...command.options.map((o) => o.long).filter((o): o is string => Boolean(o)),
        '--help',
      ],
    });
    for (const sub of command.commands) visit(sub, [...path, sub.name()]);
  };
  visit(root, []);
  return all;
}

export function completionScript(shell: Shell, words: CommandWords[]): string {
  return shell === 'fish' ? fishScript(words) : bashScript(words, shell === 'zsh');
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * Bash (and zsh through bashcompinit): the command path is the words before the cursor that name
 * commands; after it, the path's subcommands and options, or files.
 */
function bashScript(words: CommandWords[], zsh: boolean): string {
  const cases = words
    .map(
      (w) =>
        `    ${quote(w.path.join(' '))}) subs=${quote(w.subcommands.join(' '))}; opts=${quote(w.options.join(' '))} ;;`,
    )
    .join('\n');
  return `${zsh ? 'autoload -U +X bashcompinit && bashcompinit\n' : ''}# pocompute completion (bash${zsh ? ', for zsh through bashcompinit' : ''}); made by \`pocompute completion\`
_pocompute() {
  local cur path word subs opts i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && continue
    if _pocompute_known "\${path:+$path }$word"; then path="\${path:+$path }$word"; fi
  done
  subs=""
  opts=""
  case "$path" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -n "$subs" ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
_pocompute_known() {
  case "$1" in
${words
  .filter((w) => w.path.length)
  .map((w) => `    ${quote(w.path.join(' '))}) return 0 ;;`)
  .join('\n')}
  esac
  return 1
}
complete -o filenames -F _pocompute pocompute
`;
}

function fishScript(words: CommandWords[]): string {
  const lines = ['# pocompute completion (fish); made by `pocompute completion`'];
  const described = new Map(words.map((w) => [w.path.join(' '), w.description]));
  for (const w of words) {
    // The condition: this command path has been typed, and none of its subcommands yet.
    const condition = w.path.length
      ? `__fish_seen_subcommand_from ${w.path[w.path.length - 1]}; and not __fish_seen_subcommand_from ${w.subcommands.join(' ') || '__none__'}`
      : '__fish_use_subcommand';
    for (const sub of w.subcommands)
      lines.push(
        `complete -c pocompute -n ${quote(condition)} -a ${quote(sub)} -d ${quote(described.get([...w.path, sub].join(' ')) ?? '')}`,
      );
    for (const option of w.options)
      lines.push(`complete -c pocompute -n ${quote(condition)} -l ${option.slice(2)} -r -F`);
  }
  return `${lines.join('\n')}\n`;
}

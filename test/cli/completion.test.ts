import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/pocompute.js';

describe('pocompute completion', () => {
  it('bash: completes commands, subcommands, their options and files, from the program itself', async () => {
    const script = await runCli(['completion', 'bash']);
    expect(script.code).toBe(0);
    const file = join(tempDir(), 'pocompute.bash');
    writeFileSync(file, script.stdout);
    const complete = (...words: string[]) => {
      const run = spawnSync(
        'bash',
        [
          '-c',
          `source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _pocompute; printf '%s\\n' "\${COMPREPLY[@]}"`,
          file,
          'pocompute',
          ...words,
        ],
        { encoding: 'utf8' },
      );
      expect(run.stderr).toBe('');
      return run.stdout.trim().split('\n');
    };
    expect(complete('ver')).toEqual(['verify']);
    expect(complete('market', 'de')).toEqual(['deploy']);
    expect(complete('market', 'deploy', '--min-ch')).toEqual(['--min-challenger-bond']);
    expect(complete('verify', '--art')).toEqual(['--artifacts']);
    expect(complete('verify', file.slice(0, -3))).toEqual([file]);
    expect(complete('')).toEqual(expect.arrayContaining(['prove', 'verify', 'completion']));
  });

  it('fish: one line per command and option; an unknown shell is a usage error', async () => {
    const fish = await runCli(['completion', 'fish']);
    expect(fish.stdout).toMatch(/^complete -c pocompute -n '__fish_use_subcommand' -a 'verify' /m);
    expect(fish.stdout).toMatch(/__fish_seen_subcommand_from deploy.* -l min-challenger-bond/);
    const zsh = await runCli(['completion', 'zsh']);
    expect(zsh.stdout).toMatch(/^autoload -U \+X bashcompinit && bashcompinit\n/);
    const tcsh = await runCli(['completion', 'tcsh', '--json']);
    expect(tcsh.code).toBe(2);
  });
});

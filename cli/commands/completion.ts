import { Command, Option } from 'clipanion';
import { BaseCommand } from '../base-command.js';
import { completionScript, SHELLS, type Shell } from '../completion-script.js';
import { CliError, EXIT_USAGE } from '../errors.js';

/** `fnstack completion bash|zsh`: a completion script derived from the registered commands. */
export class CompletionCommand extends BaseCommand {
  static override paths = [['completion']];

  static override usage = Command.Usage({
    category: 'Setup',
    description: 'Print a shell completion script (bash or zsh) for commands, options and their values',
    details: `
      bash: \`fnstack completion bash > ~/.local/share/bash-completion/completions/fnstack\`
      (needs the bash-completion package), or \`source <(fnstack completion bash)\` in ~/.bashrc.

      zsh: \`fnstack completion zsh > "\${fpath[1]}/_fnstack"\`, or
      \`source <(fnstack completion zsh)\` in ~/.zshrc after \`compinit\`.
    `,
    examples: [
      ['Completion in the current bash', 'source <($0 completion bash)'],
      ['Installed for zsh', '$0 completion zsh > "${fpath[1]}/_fnstack"'],
    ],
  });

  shell = Option.String({ name: SHELLS.join('|') });

  async run(): Promise<number> {
    if (!(SHELLS as readonly string[]).includes(this.shell)) throw new CliError(`completion: the shell must be ${SHELLS.join(' or ')}, not '${this.shell}'`, EXIT_USAGE);
    // Imported here: build-cli registers this command.
    const { buildCli } = await import('../build-cli.js');
    this.context.stdout.write(completionScript(this.shell as Shell, buildCli().commandSpecs(), this.cli.binaryName));
    return 0;
  }
}

import { Command } from 'clipanion';

/** `fnstack` alone: the list of commands, rather than clipanion's "command not found". */
export class RootHelpCommand extends Command {
  static override paths = [Command.Default];

  async execute(): Promise<number> {
    this.context.stdout.write(this.cli.usage(null));
    return 0;
  }
}

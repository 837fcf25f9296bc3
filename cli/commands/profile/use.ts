import { homedir } from 'node:os';
import { Command, Option } from 'clipanion';
import { BaseCommand } from '../../base-command.js';
import { CliError, EXIT_USAGE } from '../../errors.js';
import { checkProfileName, profilesPath, readProfiles, writeProfiles } from '../../profiles.js';

export class ProfileUseCommand extends BaseCommand {
  static override paths = [['profile', 'use']];

  static override usage = Command.Usage({
    category: 'Setup',
    description: 'Make a profile the current one: commands use it unless --profile or FNSTACK_PROFILE say otherwise',
    details: 'With `--none`, no profile is current and commands go back to the credentials files (`fnstack login` without a profile, `./.fnstack`).',
    examples: [
      ['Work against prod from now on', '$0 profile use prod'],
      ['Back to the credentials files', '$0 profile use --none'],
    ],
  });

  name = Option.String({ name: 'name', required: false });
  none = Option.Boolean('--none', false, { description: 'No current profile' });

  async run(): Promise<number> {
    if ((this.name === undefined) === !this.none) throw new CliError('give a profile name, or --none', EXIT_USAGE);
    const path = profilesPath(this.env, homedir());
    const file = readProfiles(path);
    if (this.none) {
      const { current: _, ...rest } = file;
      writeProfiles(path, rest);
      this.out('no current profile: commands use the credentials files');
      return 0;
    }
    const name = checkProfileName(this.name!, 'profile use');
    if (!file.profiles[name]) {
      const known = Object.keys(file.profiles);
      throw new CliError(`no profile '${name}' in ${path} (${known.length > 0 ? `profiles: ${known.join(', ')}` : 'none yet'}; \`fnstack login --profile ${name}\` creates it)`);
    }
    writeProfiles(path, { ...file, current: name });
    this.out(`profile ${name} is now current (${file.profiles[name]!.endpoint ?? 'no endpoint'})`);
    if (this.env.FNSTACK_PROFILE && this.env.FNSTACK_PROFILE !== name) this.err(`note: FNSTACK_PROFILE=${this.env.FNSTACK_PROFILE} still takes precedence in this shell`);
    return 0;
  }
}

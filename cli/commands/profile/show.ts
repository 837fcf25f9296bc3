import { homedir } from 'node:os';
import { Command, Option } from 'clipanion';
import { LocalReadCommand } from '../../base-command.js';
import { CliError } from '../../errors.js';
import { checkProfileName, profilesPath, readProfiles } from '../../profiles.js';
import { profileDetails, profileRow } from './profile-view.js';

export class ProfileShowCommand extends LocalReadCommand {
  static override paths = [['profile', 'show']];

  static override usage = Command.Usage({
    category: 'Setup',
    description: 'Show a profile (default: the one in use), without its key',
    examples: [
      ['The profile in use', '$0 profile show'],
      ['Where prod points', '$0 profile show prod -f value -c endpoint'],
    ],
  });

  name = Option.String({ name: 'name', required: false });

  async run(): Promise<number> {
    const output = this.output();
    const path = profilesPath(this.env, homedir());
    const file = readProfiles(path);
    const inUse = this.env.FNSTACK_PROFILE || file.current;
    const name = this.name !== undefined ? checkProfileName(this.name, 'profile show') : inUse;
    if (!name) throw new CliError('no profile in use: name one (`fnstack profile list` shows them)');
    const profile = file.profiles[name];
    if (!profile) throw new CliError(`no profile '${name}' in ${path}`);
    const row = profileRow(name, profile, inUse);
    this.printOne(row, () => profileDetails(row, path), output);
    return 0;
  }
}

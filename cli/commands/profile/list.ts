import { homedir } from 'node:os';
import { Command } from 'clipanion';
import { LocalReadCommand } from '../../base-command.js';
import { profilesPath, readProfiles } from '../../profiles.js';
import { PROFILE_COLUMNS, profileRow, profileTable } from './profile-view.js';

export class ProfileListCommand extends LocalReadCommand {
  static override paths = [['profile', 'list'], ['profile', 'ls']];

  static override usage = Command.Usage({
    category: 'Setup',
    description: 'List the profiles (services or clouds) of profiles.yaml; * marks the one in use',
    details: 'The profile in use is the one FNSTACK_PROFILE names, else the current one (`fnstack profile use`). Keys are never shown.',
    examples: [
      ['List profiles', '$0 profile list'],
      ['Their names, one a line', '$0 profile list -f value -c name'],
    ],
  });

  async run(): Promise<number> {
    const output = this.output();
    const path = profilesPath(this.env, homedir());
    const file = readProfiles(path);
    const inUse = this.env.FNSTACK_PROFILE || file.current;
    const rows = Object.entries(file.profiles).map(([name, p]) => profileRow(name, p, inUse));
    this.printList(rows, { table: () => profileTable(rows), valueColumns: PROFILE_COLUMNS, empty: `no profiles in ${path}: \`fnstack login --profile NAME\` adds one` }, output);
    return 0;
  }
}

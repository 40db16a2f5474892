import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveUser, snapshotDirs } from './user';

describe('security.user by name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lb-ctd-user-'));
  const lower = join(dir, 'lower');
  const upper = join(dir, 'upper');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeAll(() => {
    for (const d of [lower, upper]) mkdirSync(join(d, 'etc'), { recursive: true });
    writeFileSync(join(lower, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nold:x:7:7::/:/bin/sh\n');
    writeFileSync(join(upper, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1001:1002::/app:/bin/sh\n');
    writeFileSync(join(lower, 'etc/group'), 'root:x:0:\nstaff:x:50:app\n');
  });
  const mounts = () => [{ type: 'overlay', source: 'overlay', options: ['index=off', `workdir=${dir}/w`, `upperdir=${upper}`, `lowerdir=${lower}`] }];

  it('reads the top layer that has the file, as overlayfs shows it', async () => {
    expect(snapshotDirs(mounts())).toEqual([upper, lower]);
    expect(snapshotDirs([{ type: 'bind', source: '/s', options: ['rbind'] }])).toEqual(['/s']);
    await expect(resolveUser('app', mounts())).resolves.toEqual({ uid: 1001, gid: 1002 });
    await expect(resolveUser('app:staff', mounts())).resolves.toEqual({ uid: 1001, gid: 50 });
    await expect(resolveUser('1001', mounts())).resolves.toEqual({ uid: 1001, gid: 0 });
    await expect(resolveUser('1001:9', mounts())).resolves.toEqual({ uid: 1001, gid: 9 });
  });

  it('refuses a name the image does not know, naming the field', async () => {
    await expect(resolveUser('old', mounts())).rejects.toThrow(/security\.user: no user "old"/);
    await expect(resolveUser('app:nogroup', mounts())).rejects.toThrow(/security\.user: no group "nogroup"/);
  });
});

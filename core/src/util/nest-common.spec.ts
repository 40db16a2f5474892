// In a node of its own, against the build: loading the server's and the agent's entry points makes no
// Intl.DateTimeFormat (ICU's locale and time zone data stay unread), and Nest's console logger, if ever
// used, still stamps its lines with the date.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const dist = join(__dirname, '..', '..', 'dist');

describe('@nestjs/common without its eager date formatters (nest-common.ts)', () => {
  it('loads the server and the agent making none, and makes one when a Nest logger first logs', () => {
    const script = `
      let made = 0;
      const Real = Intl.DateTimeFormat;
      Intl.DateTimeFormat = new Proxy(Real, { construct: (t, a) => (made++, Reflect.construct(t, a)) });
      require(${JSON.stringify(join(dist, 'server.js'))});
      require(${JSON.stringify(join(dist, 'agent-main.js'))});
      const loaded = made;
      let line = '';
      const { ConsoleLogger } = require('@nestjs/common');
      const write = process.stdout.write;
      process.stdout.write = (s) => ((line += s), true);
      new ConsoleLogger('probe', { colors: false }).log('hello');
      process.stdout.write = write;
      console.log(JSON.stringify({ loaded, logged: made, line }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as { loaded: number; logged: number; line: string };
    expect(out.loaded).toBe(0);
    expect(out.logged).toBe(1);
    expect(out.line).toMatch(/\[Nest\] \d+ +- +\d{1,2}\/\d{1,2}\/\d{4}, \d{1,2}:\d{2}:\d{2} [AP]M +LOG \[probe\] hello/);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeEnv, parseEnvFile, readEnvFile } from './env-file';
import { UsageError } from './usage';

describe('--env-file', () => {
  it('reads KEY=VALUE lines, skipping blanks and # comments', () => {
    const text = ['# database', 'DB_HOST=db.internal', '', '   # indented comment', 'DB_URL=postgres://u:p@h/db?a=b', 'EMPTY=', 'export MODE=prod', 'SPACED=a b  ', 'Q1="quoted value"', "Q2='single'", 'HALF="open', 'CRLF=yes\r'].join('\n');
    expect(parseEnvFile(text, 'app.env')).toEqual([
      { name: 'DB_HOST', value: 'db.internal' },
      { name: 'DB_URL', value: 'postgres://u:p@h/db?a=b' },
      { name: 'EMPTY', value: '' },
      { name: 'MODE', value: 'prod' },
      { name: 'SPACED', value: 'a b  ' },
      { name: 'Q1', value: 'quoted value' },
      { name: 'Q2', value: 'single' },
      { name: 'HALF', value: '"open' },
      { name: 'CRLF', value: 'yes' },
    ]);
    expect(parseEnvFile('', 'empty.env')).toEqual([]);
  });

  it('refuses a bad line naming the file and the line', () => {
    expect(() => parseEnvFile('A=1\n# ok\nJUSTAWORD\n', 'app.env')).toThrow('env-file app.env line 3: "JUSTAWORD" must be KEY=VALUE');
    expect(() => parseEnvFile('A=1\n1A=x\n', 'app.env')).toThrow('env-file app.env line 2: "1A" is not a variable name');
    expect(() => parseEnvFile('=x\n', 'app.env')).toThrow('env-file app.env line 1: "" is not a variable name');
    expect(() => parseEnvFile('MY-VAR=x\n', 'app.env')).toThrow(UsageError);
  });

  it('an unreadable file is a usage error naming it', () => {
    expect(() => readEnvFile('/nonexistent/app.env')).toThrow('env-file: cannot read /nonexistent/app.env: ENOENT');
    const dir = mkdtempSync(join(tmpdir(), 'env-file-'));
    try {
      writeFileSync(join(dir, 'a.env'), 'A=1\n');
      expect(readEnvFile(join(dir, 'a.env'))).toEqual([{ name: 'A', value: '1' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('later sources win, in the place of the first', () => {
    expect(
      mergeEnv(
        [{ name: 'A', value: '1' }, { name: 'B', value: '1' }],
        [{ name: 'A', value: '2' }],
        [{ name: 'C', value: '3' }, { name: 'B', value: '3' }],
      ),
    ).toEqual([
      { name: 'A', value: '2' },
      { name: 'B', value: '3' },
      { name: 'C', value: '3' },
    ]);
  });
});

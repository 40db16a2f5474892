import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataFrom, fromFile, fromLiteral } from './data-sources';
import { UsageError } from './usage';

describe('--from-file and --from-literal', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'data-sources-'));
    writeFileSync(join(dir, 'tls.crt'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    writeFileSync(join(dir, 'password.txt'), 's3cr=t\n');
    mkdirSync(join(dir, 'conf'));
    writeFileSync(join(dir, 'conf', 'b.ini'), 'b=1\n');
    writeFileSync(join(dir, 'conf', 'a.yaml'), 'a: 1\n');
    writeFileSync(join(dir, 'conf', '.hidden'), 'x');
    mkdirSync(join(dir, 'conf', 'sub'));
    writeFileSync(join(dir, 'blob.bin'), Buffer.from([0xff, 0xfe, 0x00, 0x80]));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a file under its name or under KEY=, its text as it is', () => {
    expect(fromFile(join(dir, 'tls.crt'))).toEqual([['tls.crt', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n']]);
    expect(fromFile(`password=${join(dir, 'password.txt')}`)).toEqual([['password', 's3cr=t\n']]);
  });

  it('a directory: each regular file directly in it, by name (no dot files, no subdirectories)', () => {
    expect(fromFile(join(dir, 'conf'))).toEqual([
      ['a.yaml', 'a: 1\n'],
      ['b.ini', 'b=1\n'],
    ]);
    expect(() => fromFile(`k=${join(dir, 'conf')}`)).toThrow('a directory takes no KEY=');
  });

  it('literals are KEY=VALUE, the value may hold = and be empty', () => {
    expect(fromLiteral('user=admin')).toEqual(['user', 'admin']);
    expect(fromLiteral('dsn=a=b')).toEqual(['dsn', 'a=b']);
    expect(fromLiteral('empty=')).toEqual(['empty', '']);
    expect(() => fromLiteral('novalue')).toThrow('from-literal: "novalue" must be KEY=VALUE');
  });

  it('refuses what cannot be stored as text or named as a file, as usage errors', () => {
    expect(() => fromFile(join(dir, 'missing'))).toThrow(/cannot read .*missing: ENOENT/);
    expect(() => fromFile(join(dir, 'blob.bin'))).toThrow('is not UTF-8 text');
    expect(() => fromLiteral('a/b=x')).toThrow('key "a/b" must be letters, digits, - _ and .');
    expect(() => fromFile(`..=${join(dir, 'tls.crt')}`)).toThrow(UsageError);
  });

  it('merges sources; a key given twice is refused', () => {
    expect(dataFrom([join(dir, 'tls.crt')], ['user=admin'])).toEqual({ 'tls.crt': expect.stringContaining('CERTIFICATE'), user: 'admin' });
    expect(() => dataFrom([`user=${join(dir, 'password.txt')}`], ['user=admin'])).toThrow('key "user" is given twice');
    expect(dataFrom([], [])).toEqual({});
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config';

describe('config: the file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lb-cfg-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const load = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return loadConfig({ file, env: {}, flags: { dataDir: dir } });
  };

  it('reads JSON (parsed as JSON) and YAML to the same config', () => {
    const json = load('c.json', JSON.stringify({ discovery: { enabled: false }, watch: { change_log: 500 } }));
    const yaml = load('c.yaml', 'discovery:\n  enabled: false\nwatch:\n  change_log: 500\n');
    expect(json.discovery.enabled).toBe(false);
    expect(json.watch.change_log).toBe(500);
    expect({ ...json, configFile: undefined }).toEqual({ ...yaml, configFile: undefined });
  });

  it('rejects text that is neither, naming the file', () => {
    expect(() => load('bad.yaml', 'store: [unclosed\n')).toThrow(/bad\.yaml is not valid YAML/);
    expect(() => load('bad.json', '{"store": ')).toThrow(/bad\.json is not valid YAML/);
  });

  it('refuses a key given twice, in JSON as in YAML, naming it', () => {
    expect(() => load('dup.json', '{"discovery": {"enabled": false}, "watch": {}, "discovery": {"enabled": true}}')).toThrow(/dup\.json is not valid YAML: key "discovery" is given twice/);
    expect(() => load('dup.yaml', 'discovery:\n  enabled: false\ndiscovery:\n  enabled: true\n')).toThrow(/dup\.yaml is not valid YAML: .*unique/);
  });
});

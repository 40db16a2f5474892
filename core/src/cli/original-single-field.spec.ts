// One original Service field per document (test/contract/original/single-field/services.yml, built from
// the original's request types), checked two ways: the YAML through `lb apply`'s validation, and the body
// the original CLI sends for it (original-cli-bodies.json there, captured with the original's types and
// YAML reader) through the API's schema. Both must agree: taken with the original's meaning, or refused
// naming the field and the reason.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnyManifestSchema, LbError, issuesToFields, type AnyManifest, type ContainerManifest, type FieldError, type ServiceManifest } from '@lastbackend/sdk';
import { parseYamlDocuments, validateManifests } from './manifest-files';

const DIR = join(__dirname, '../../../test/contract/original/single-field');
const yamlDocs = parseYamlDocuments({ name: 'services.yml', text: readFileSync(join(DIR, 'services.yml'), 'utf8') });
const bodies = JSON.parse(readFileSync(join(DIR, 'original-cli-bodies.json'), 'utf8')) as Record<string, { sends: unknown }>;

const nameOf = (d: unknown) => (d as { meta: { name: string } }).meta.name;

function viaCli(doc: unknown): ServiceManifest | FieldError[] {
  try {
    return validateManifests([doc])[0] as ServiceManifest;
  } catch (e) {
    if (!(e instanceof LbError)) throw e;
    return (e.details.fields ?? []).map((f) => ({ ...f, field: f.field.replace(/^documents\.0\./, '') }));
  }
}
function viaApi(body: unknown): ServiceManifest | FieldError[] {
  const r = AnyManifestSchema.safeParse({ kind: 'Service', ...(body as object) });
  return r.success ? (r.data as ServiceManifest) : issuesToFields(r.error.issues);
}

const C = 'spec.template.containers.0';
const c0 = (s: ServiceManifest): ContainerManifest => s.spec.template.containers[0];
const SHA = `sha256:${'a'.repeat(64)}`;

const ACCEPTED: Record<string, (s: ServiceManifest) => void> = {
  replicas: (s) => expect(s.spec.replicas).toBe(3),
  // The original's Rolling strategy is the rolling update here (its bounds left to the defaults).
  'strategy-rolling': (s) => expect(s.spec.strategy).toEqual({ type: 'rolling' }),
  'selector-node': (s) => expect(s.spec.selector).toEqual({ node: 'node-1' }),
  'selector-node-empty': (s) => expect(s.spec.selector).toEqual({ labels: { type: 'frontend' } }),
  'selector-labels': (s) => expect(s.spec.selector).toEqual({ labels: { zone: '2' } }),
  'network-ports': (s) => expect(s.spec.network?.ports).toEqual(['80:8080/tcp', '53:53/udp']),
  'container-name-number': (s) => expect(c0(s).name).toBe('2048'),
  command: (s) => expect([c0(s).command, c0(s).args]).toEqual([undefined, ['nginx', '-g', 'daemon', 'off;']]),
  workdir: (s) => expect(c0(s).workdir).toBe('/srv'),
  entrypoint: (s) => expect([c0(s).command, c0(s).args]).toEqual([['/bin/sh', '-c'], ['env']]),
  args: (s) => expect(c0(s).args).toEqual(['--port', '80']),
  'ports-declared': (s) => expect(c0(s).ports).toEqual([{ container: 8080, protocol: 'tcp' }]),
  'env-value': (s) => expect(c0(s).env).toEqual([{ name: 'PORT', value: '3306' }]),
  'env-secret': (s) => expect(c0(s).env).toEqual([{ name: 'TOKEN', secret: { name: 'creds', key: 'token' } }]),
  'env-config': (s) => expect(c0(s).env).toEqual([{ name: 'MODE', config: { name: 'settings', key: 'mode' } }]),
  'volume-mode': (s) => expect(c0(s).volumes).toEqual([{ name: 'data', path: '/data', readonly: true }]),
  'volume-sub-path': (s) => expect(c0(s).volumes).toEqual([{ name: 'data', path: '/data', readonly: false, sub_path: 'site' }]),
  'image-sha': (s) => expect(c0(s).image).toEqual({ name: `nginx@${SHA}`, policy: 'if-not-present' }),
  'resources-limits': (s) => expect(c0(s).resources).toEqual({ limits: { ram: '512MB', cpu: '1' } }),
  'resources-quota': (s) => expect(c0(s).resources).toEqual({ requests: { ram: '256MB', cpu: '0.5' } }),
  restart: (s) => expect(c0(s).restart).toEqual({ policy: 'on-failure', attempts: 3 }),
  'template-volume-type': (s) => expect(s.spec.template.volumes).toEqual([{ name: 'data', volume: { name: 'data' } }]),
  // The original CLI dropped these binds (its YAML tag is "bindsk"); lb apply takes them (each file is its key).
  'template-secret-binds': (s) => expect(s.spec.template.volumes).toEqual([{ name: 'tls', secret: { name: 'certs' } }]),
  'template-config-binds': (s) => expect(s.spec.template.volumes).toEqual([{ name: 'conf', config: { name: 'settings' } }]),
  // Kept for the namespace's policy to judge at the API: only a privileged namespace takes it.
  'security-privileged': (s) => expect(c0(s).security).toEqual({ privileged: true }),
};

const REFUSED: Record<string, [string, RegExp]> = {
  'network-ip': ['spec.network.ip', /assigned from the service CIDR/],
  ports: [`${C}.ports.0`, /publishes the container's port 8080 on the node at 127\.0\.0\.1:8080/],
  'image-secret': [`${C}.image.secret.key`, /Secret of type auth/],
  'template-volume-subpath': ['spec.template.volumes.0.volume.subpath', /sub_path/],
};

describe('single-field Services built from the original types', () => {
  it('cover every case, each sent by the original CLI', () => {
    const names = yamlDocs.map(nameOf);
    expect([...names].sort()).toEqual([...Object.keys(ACCEPTED), ...Object.keys(REFUSED)].sort());
    expect(Object.keys(bodies).sort()).toEqual([...names].sort());
  });

  describe.each(yamlDocs.map((doc) => [nameOf(doc), doc] as const))('%s', (name, doc) => {
    it('lb apply and the API agree', () => {
      const fromYaml = viaCli(doc);
      const fromWire = viaApi(bodies[name].sends);
      const refused = REFUSED[name];
      if (refused) {
        for (const got of [fromYaml, fromWire]) expect(got).toContainEqual({ field: refused[0], reason: expect.stringMatching(refused[1]) });
        return;
      }
      for (const got of [fromYaml, fromWire]) {
        if (Array.isArray(got)) throw new Error(`refused: ${JSON.stringify(got)}`);
        ACCEPTED[name](got);
        expect(viaApi(got)).toEqual(got as AnyManifest);
      }
      expect(fromWire).toEqual(fromYaml);
    });
  });
});

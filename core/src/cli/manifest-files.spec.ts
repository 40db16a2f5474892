import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LbError } from '@lastbackend/sdk';
import { loadManifests, parseYamlDocuments, readSource, validateManifests } from './manifest-files';

const SERVICE = `kind: Service
meta:
  name: web
spec:
  replicas: 2
  template:
    containers:
      - name: web
        image: { name: nginx }
`;
const NAMESPACE = `kind: Namespace
meta: { name: demo }
`;

function errorOf(fn: () => unknown): LbError {
  try {
    fn();
  } catch (e) {
    if (e instanceof LbError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('parseYamlDocuments', () => {
  it('reads every document and skips empty ones', () => {
    const text = `---\n${NAMESPACE}---\n---\n# only a comment\n---\n${SERVICE}---\n`;
    const docs = parseYamlDocuments({ name: 'app.yaml', text });
    expect(docs).toHaveLength(2);
    expect(docs[0]).toEqual({ kind: 'Namespace', meta: { name: 'demo' } });
    expect((docs[1] as { kind: string }).kind).toBe('Service');
  });

  it('reads nothing from an empty or comment-only text', () => {
    expect(parseYamlDocuments({ name: 'a', text: '' })).toEqual([]);
    expect(parseYamlDocuments({ name: 'a', text: '# nothing\n' })).toEqual([]);
  });

  it('names the file and line of a syntax error, on one line', () => {
    const text = `${NAMESPACE}---\nkind: Service\nmeta:\n  name: web\n  labels: [a, b\nspec: {}\n`;
    const e = errorOf(() => parseYamlDocuments({ name: 'app.yaml', text }));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toMatch(/^app\.yaml: YAML syntax error at line \d+: \S/);
    expect(e.message).not.toContain('\n');
  });

  it('reports the line of a bad indentation', () => {
    const e = errorOf(() => parseYamlDocuments({ name: 'f.yaml', text: 'kind: Service\nmeta:\n  name: x\n bad: 1\n' }));
    expect(e.message).toMatch(/^f\.yaml: YAML syntax error at line 4: /);
  });

  it('honours merge keys, as compose files and Kubernetes manifests use them; an alias is per document', () => {
    const text = 'kind: Config\nmeta: {name: a}\nspec:\n  data: &base {x: "1", y: "2"}\n---\nkind: Config\nmeta: {name: b}\nspec:\n  data: {<<: *base, y: "3"}\n';
    const own = text.replace('data: {<<: *base', 'data: &base {x: "1"}\n  more: {<<: *base');
    const [, b] = parseYamlDocuments({ name: 'app.yaml', text: own }) as [unknown, { spec: Record<string, unknown> }];
    expect(b.spec).toEqual({ data: { x: '1' }, more: { x: '1', y: '3' } });
    // An anchor lives in its document: an alias to another document's is an error naming the file.
    const e = errorOf(() => parseYamlDocuments({ name: 'app.yaml', text }));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toMatch(/^app\.yaml: /);
  });

  it('treats duplicate keys as errors', () => {
    const e = errorOf(() => parseYamlDocuments({ name: 'f.yaml', text: 'kind: Service\nkind: Config\n' }));
    expect(e.message).toMatch(/^f\.yaml: YAML syntax error at line 2: /);
  });
});

describe('validateManifests', () => {
  const docs = (text: string) => parseYamlDocuments({ name: 'f', text });

  it('returns parsed manifests with defaults', () => {
    const [ns, svc] = validateManifests(docs(`${NAMESPACE}---\n${SERVICE}`));
    expect(ns.kind).toBe('Namespace');
    expect(svc.kind === 'Service' && svc.spec.template.containers[0].image.policy).toBe('if-not-present');
  });

  it('names bad fields by document index', () => {
    const e = errorOf(() => validateManifests(docs(SERVICE.replace('replicas: 2', 'replicas: -1'))));
    expect(e.message).toBe('invalid manifest: documents.0.spec.replicas: must be 0 or more');
    expect(e.details.fields).toEqual([{ field: 'documents.0.spec.replicas', reason: 'must be 0 or more' }]);
  });

  it('collects problems of every document', () => {
    const e = errorOf(() => validateManifests(docs(`${NAMESPACE}extra: 1\n---\nkind: Gadget\nmeta: {name: x}\n---\n- a list\n`)));
    expect(e.details.fields?.map((f) => f.field)).toEqual(['documents.0.extra', 'documents.1.kind', 'documents.2']);
    expect(e.message).toContain('documents.0.extra: unknown field');
    expect(e.message).toContain('documents.1.kind: must be one of Namespace, Service, Secret, Config, Volume, Route');
  });
});

describe('reading sources', () => {
  it('reads stdin for "-"', async () => {
    const src = await readSource('-', Readable.from([Buffer.from(NAMESPACE)]));
    expect(src).toEqual({ name: '<stdin>', text: NAMESPACE });
  });

  it('reads files and says when one is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lb-cli-'));
    const file = join(dir, 'app.yaml');
    writeFileSync(file, `${NAMESPACE}---\n${SERVICE}`);
    const { documents, manifests } = await loadManifests([file], Readable.from([]));
    expect(documents).toHaveLength(2);
    expect(manifests.map((m) => m.meta.name)).toEqual(['demo', 'web']);
    await expect(readSource(join(dir, 'nope.yaml'), Readable.from([]))).rejects.toThrow(`cannot read ${join(dir, 'nope.yaml')}: no such file`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a source without manifests', async () => {
    await expect(loadManifests(['-'], Readable.from(['# nothing\n']))).rejects.toThrow('<stdin>: no manifests found');
  });
});

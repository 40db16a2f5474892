// spec.egress is an admin's to set, as spec.policy is: only admins write Namespaces (namespace.manage),
// and an apply by anyone else that carries one is refused naming the field, with nothing stored.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LbError } from '@lastbackend/sdk';
import { applyGuard } from '../api/access';
import { Store } from '../store/store';
import { Resources } from '../state/resources';
import { SecretBox } from '../state/secret-box';

/** What a call throws, whether before or after it returns a promise (parsing throws at once). */
const caught = async (f: () => Promise<unknown>): Promise<unknown> => {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a refusal');
};
const ns = (egress?: string[]) => ({ kind: 'Namespace', meta: { name: 'q' }, spec: egress ? { egress: { allow: egress } } : {} });

describe('namespace spec.egress: admins set it', () => {
  let dir: string;
  let store: Store;
  let r: Resources;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-egress-'));
    store = new Store(dir);
    await store.open();
    r = new Resources(store, SecretBox.withKey(randomBytes(32)));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a deployer applying it gets 403 naming spec.egress, and nothing is stored', async () => {
    const e = await caught(() => r.apply('q', { manifests: [ns(['127.0.0.1/32'])] }, applyGuard({ role: 'deployer', token: 't1', description: 'ci' })));
    expect(e).toBeInstanceOf(LbError);
    expect((e as LbError).status).toBe(403);
    expect((e as LbError).message).toContain('is for admins (it sets spec.egress, which admins set)');
    expect((e as LbError).details.fields).toEqual([{ field: 'spec.egress', reason: 'only admins set it' }]);
    await expect(r.getNamespace('q')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('an admin applies it; an update that does not send it keeps it; a bad entry is refused naming it', async () => {
    await r.apply('q', { manifests: [ns(['https://queue.example.com/jobs/', '127.0.0.1/32'])] }, applyGuard({ role: 'admin' }));
    expect((await r.getNamespace('q')).spec.egress).toEqual({ allow: ['https://queue.example.com/jobs/', '127.0.0.1/32'] });
    await r.updateNamespace('q', { kind: 'Namespace', meta: { name: 'q' }, spec: { resources: { limits: { pods: 5 } } } });
    expect((await r.getNamespace('q')).spec.egress).toEqual({ allow: ['https://queue.example.com/jobs/', '127.0.0.1/32'] });
    expect(await caught(() => r.updateNamespace('q', ns(['ftp://x/'])))).toMatchObject({
      status: 400,
      details: { fields: [expect.objectContaining({ field: 'spec.egress.allow.0', reason: expect.stringContaining('"ftp://x/" scheme ftp is not allowed') })] },
    });
    await r.updateNamespace('q', ns([]));
    expect((await r.getNamespace('q')).spec.egress).toEqual({ allow: [] });
  });
});

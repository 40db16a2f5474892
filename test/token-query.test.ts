// The original's clients may send the API token as ?x-lastbackend-token= instead of the Authorization
// header. The attack this guards against: a token in a URL ends up in the server's logs or files, where
// whoever reads them becomes admin. A real `lb server` (no node) gets the token only in the query, on
// answers that succeed and on ones that fail; afterwards its output and every file of its data dir are
// searched for the token.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TestServer, uniq } from './harness';

/** Every regular file below dir. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    const st = statSync(p);
    return st.isDirectory() ? files(p) : st.isFile() ? [p] : [];
  });
}

describe('?x-lastbackend-token=', () => {
  let s: TestServer;
  const ns = uniq('qtok');

  beforeAll(async () => {
    s = await TestServer.start({ agent: false });
  });
  afterAll(async () => {
    await s?.cleanup();
  });

  const q = (path: string) => `${path}${path.includes('?') ? '&' : '?'}x-lastbackend-token=${s.token}`;
  const json = { 'content-type': 'application/json' };

  it('is accepted in place of the header, and the token is in no log line nor file of the data dir', async () => {
    const created = await s.fetch(q('/namespace'), { method: 'POST', headers: json, body: JSON.stringify({ kind: 'Namespace', meta: { name: ns } }) });
    expect(created.status).toBeLessThan(300);
    const list = await s.fetch(q('/namespace'));
    expect(list.status).toBe(200);
    expect(JSON.stringify(await list.json())).toContain(ns);
    expect((await s.fetch(q(`/namespace/${ns}`))).status).toBe(200);

    // Refusals and failures, where a URL is most likely to be quoted.
    const refused = [
      await s.fetch(q('/namespace/absent')),
      await s.fetch(q('/no/such/route')),
      await s.fetch(q(`/namespace/${ns}/service/web/logs?tail=many`)),
      await s.fetch(q(`/namespace/${ns}/service`), { method: 'POST', headers: json, body: '{"kind":' }),
      await s.fetch(q('/namespace/%E0%A4%A')),
    ];
    expect(refused.map((r) => r.status)).toEqual([404, 404, 400, 400, 400]);
    for (const r of refused) {
      const body = await r.text();
      expect(JSON.parse(body)).toMatchObject({ code: r.status, status: expect.any(String), reason: expect.any(String) });
      expect(body).not.toContain(s.token);
    }
    // A wrong token in the query is refused even beside the right header (the query wins, as in the original).
    const wrong = await s.fetch('/namespace?x-lastbackend-token=not-the-token', { headers: { authorization: `Bearer ${s.token}` } });
    expect(wrong.status).toBe(401);

    await s.stop(); // flushes what the server would write
    expect(s.output()).not.toContain(s.token);
    const all = files(s.dataDir);
    expect(all.length).toBeGreaterThan(3); // the store, the TLS material, the config: the scan reads something
    const holding = all.filter((f) => readFileSync(f).includes(s.token));
    expect(holding).toEqual([]);
  });
});

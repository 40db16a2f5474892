// Contract: every request the ORIGINAL Last.Backend CLI was recorded sending
// (test/contract/fixtures/original-cli/*.json, see the README there) goes to a method+path that
// routes.ts declares. The recordings are facts about the original client; this test needs no Docker.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allRoutes } from './routes';

interface RecordedExchange {
  method: string;
  path: string;
}
interface CommandFixture {
  command: string;
  exchanges: RecordedExchange[];
}

const DIR = join(__dirname, '../../../test/contract/fixtures/original-cli');

function fixtures(): { file: string; fixture: CommandFixture }[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, fixture: JSON.parse(readFileSync(join(DIR, file), 'utf8')) as CommandFixture }));
}

/** Whether a concrete path (no query) fits an Express-style route path (/namespace/:ns/service/:svc). */
function fits(template: string, path: string): boolean {
  const want = template.split('/');
  const got = path.split('/');
  return want.length === got.length && want.every((seg, i) => (seg.startsWith(':') ? got[i] !== '' : seg === got[i]));
}

describe('requests of the original CLI (recorded) hit declared routes', () => {
  const routes = allRoutes();
  const recorded = fixtures();

  it('has recordings', () => {
    expect(recorded.length).toBeGreaterThan(0);
    expect(recorded.flatMap((r) => r.fixture.exchanges).length).toBeGreaterThan(0);
  });

  it('every recorded method+path is declared in routes.ts', () => {
    const missing = new Set<string>();
    for (const { fixture } of recorded) {
      for (const ex of fixture.exchanges) {
        const path = ex.path.split('?')[0] ?? ex.path;
        if (!routes.some((r) => r.method === ex.method && fits(r.path, path))) missing.add(`${ex.method} ${path}`);
      }
    }
    expect([...missing].sort()).toEqual([]);
  });
});

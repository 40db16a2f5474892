// The README's five-minute tour, run command by command as written there, on a server with the embedded
// defaults (what `npm start` runs). The commands are read from the README, so the test breaks when the
// README and the behaviour drift apart. Only the server differs: the CLI finds it through LB_SERVER,
// LB_TOKEN and LB_CA_FILE instead of ~/.lastbackend/cli.json, and the commands run in a scratch
// directory that links the repository's files they use (demo.yaml lands there).
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_OVERLAY, IMAGE, ROOT, TestServer, docker, removeHostOverlay, waitFor, type RunResult } from './harness';

interface TourCommand {
  /** As written, continuation lines included: what bash runs. */
  text: string;
  /** On one line with single spaces, its trailing comment included: what the outcomes below match. */
  line: string;
}
interface TourStep {
  title: string;
  commands: TourCommand[];
}

/** The steps of the README's tour: its first sh block, split at the "# N. …" comments. */
function readTour(): TourStep[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## A five-minute tour$/m)[1]?.split(/^## /m)[0];
  const block = section?.match(/^```sh\n([\s\S]*?)^```$/m)?.[1];
  if (!block) throw new Error('README.md: no sh block under "## A five-minute tour"');
  const steps: TourStep[] = [];
  for (const text of block.replace(/\\\n/g, '\\\u0000').split('\n').map((l) => l.replace(/\\\u0000/g, '\\\n'))) {
    const title = /^# (\d+\. .*)$/.exec(text)?.[1];
    if (title) steps.push({ title, commands: [] });
    else if (text.trim()) steps.at(-1)!.commands.push({ text, line: text.replace(/\\\n\s*/g, ' ').replace(/\s+/g, ' ').trim() });
  }
  return steps;
}

/**
 * What the README shows a command leads to. A command named here is re-run until its output shows it
 * (where a reader would wait for the platform to converge); every other command must exit 0 once.
 */
const OUTCOMES: { line: RegExp; shows: (out: string) => boolean }[] = [
  { line: /^bash test\/fixtures\/build-image\.sh/, shows: (o) => o.includes(`${IMAGE} ready`) },
  {
    line: /^npx lb get pods # NAME SERVICE DEPLOYMENT NODE STATE IP \.\.\.$/,
    shows: (o) => /^NAME\s+SERVICE\s+DEPLOYMENT\s+NODE\s+STATE\s+IP\b/.test(o) && rows(o, /\bhello\b.*\bready\b/) === 2,
  },
  { line: /^docker ps --filter label=io\.lastbackend\.service=hello$/, shows: (o) => rows(o, /\sUp /) >= 2 },
  { line: /^npx lb get services -n demo$/, shows: (o) => rows(o, /^web\s+ready\s+3\/3\s/) === 1 },
  { line: /wget -qO- http:\/\/127\.0\.0\.1:8080\/$/, shows: (o) => o === 'hello from lb-test\n' },
  { line: /^npx lb get deployments web -n demo$/, shows: (o) => rows(o, /^web\s+v1\s+active\s+5\/5$/) === 1 },
  { line: /# v1 superseded, v2 active with the manifest's 3 replicas$/, shows: (o) => rows(o, /^web\s+v1\s+superseded\b/) === 1 && rows(o, /^web\s+v2\s+active\s+3\/3$/) === 1 },
  { line: /wget -qO- http:\/\/web\/$/, shows: (o) => o === 'hello from lb-test\n' },
];

const rows = (out: string, re: RegExp) => out.split('\n').filter((l) => re.test(l)).length;

const tour = readTour();

describe('the README tour, command by command', () => {
  let s: TestServer;
  let dir: string;
  let imageBefore = '';

  const run = (text: string, env: Record<string, string>): Promise<RunResult> =>
    new Promise((res) =>
      execFile('bash', ['-c', text], { cwd: dir, env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 8 << 20 }, (err, stdout, stderr) =>
        res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      ),
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-tour-'));
    for (const f of ['examples', 'test', 'node_modules']) symlinkSync(join(ROOT, f), join(dir, f));
    const config = join(dir, 'config.yaml');
    writeFileSync(config, '# nothing changed: the embedded defaults, as `npm start` runs them\n{}\n');
    s = await TestServer.start({ config, dataDir: join(dir, 'data') });
    imageBefore = docker(['images', '-q', IMAGE]);
  });

  afterAll(async () => {
    await s?.cleanup();
    // On the defaults the server's node built the default overlay (lb0, lb.vxlan and their rules): it goes too.
    removeHostOverlay(DEFAULT_OVERLAY);
    rmSync(dir, { recursive: true, force: true });
    // Step 1 re-imported the test image: the one it replaced goes, unless something still uses it.
    const now = docker(['images', '-q', IMAGE]);
    if (imageBefore && now && imageBefore !== now) {
      try {
        docker(['rmi', imageBefore]);
      } catch {
        /* in use */
      }
    }
    // The default CPI (nftables here, as the kernel has no ip_vs) keeps its table for running workloads.
    try {
      execFileSync('nft', ['delete', 'table', 'ip', 'lastbackend'], { stdio: 'ignore' });
    } catch {
      /* not made */
    }
  });

  it('finds the tour and an outcome for every command the README shows one for', () => {
    expect(tour.map((t) => t.title.split('.')[0])).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    const lines = tour.flatMap((t) => t.commands.map((c) => c.line));
    for (const o of OUTCOMES) expect([o.line, lines.filter((l) => o.line.test(l))]).toEqual([o.line, [expect.any(String)]]);
  });

  /** What a step leads to that none of its commands shows, checked at its end. */
  const AFTER_STEP: Record<string, () => Promise<void>> = {
    // "the previous template comes back as v3"; demo.yaml is "re-appliable elsewhere"
    '6': async () => {
      const deps = await waitFor(() => s.client.deployments('demo', 'web'), (d) => d.some((x) => x.meta.name === 'v3' && x.status.state === 'active'), 'v3 active');
      expect(deps.find((d) => d.meta.name === 'v3')!.spec.template).toEqual(deps.find((d) => d.meta.name === 'v1')!.spec.template);
      const exported = readFileSync(join(dir, 'demo.yaml'), 'utf8');
      expect(exported).toMatch(/^kind: Service$/m);
      expect(exported).toMatch(/^ {2}name: web$/m);
    },
    // "Clean up": nothing of the tour is left running
    '7': async () => {
      await waitFor(async () => s.containers().length, (n) => n === 0, 'no containers left');
    },
  };

  for (const step of tour) {
    it(step.title, async () => {
      for (const cmd of step.commands) {
        const outcome = OUTCOMES.find((o) => o.line.test(cmd.line));
        const what = `README tour: ${cmd.line}`;
        const r = outcome
          ? await waitFor(() => run(cmd.text, s.env), (x) => x.code === 0 && outcome.shows(x.stdout), what, 120_000).catch(async (e: Error) => {
              const last = await run(cmd.text, s.env);
              throw new Error(`${e.message}\nlast run: exit ${last.code}\n${last.stdout}${last.stderr}`);
            })
          : await run(cmd.text, s.env);
        if (r.code !== 0) throw new Error(`${what}: exit ${r.code}\n${r.stdout}${r.stderr}`);
      }
      await AFTER_STEP[step.title.split('.')[0]]?.();
    });
  }
});

// The CLI conventions against a real `lb server`: shell completion (bash, driven as bash drives it) of
// names from the server, `-o wide` / `-o name`, exit code 2 and suggestions from the real process,
// `--server` / `--token`, `lb run --env-file`, `lb secret create` / `lb config create`, and
// `lb exec SERVICE`. One server; only `web` runs a container (for exec); the other services are pinned
// to a node that does not exist or have no replicas, so their pods never start.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Service } from '@lastbackend/sdk';
import { IMAGE, LB, TestServer, lb as runLb, readyPods, uniq, waitFor } from './harness';

/** Runs a script in a shell with `lb` on PATH (a wrapper of the real CLI) and the server's settings. */
function run(sh: string, script: string, env: Record<string, string>, bin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(sh, ['-c', script], { env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH}` }, timeout: 60_000 }, (err, stdout, stderr) =>
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('CLI conventions', () => {
  let s: TestServer;
  let tmp = '';
  let bin = '';
  const ns = uniq('cli');
  /** The server's settings, and a CLI config of its own (no context of the host's leaks in). */
  let env: Record<string, string>;
  const lb = (...args: string[]) => runLb(args, env);
  const bash = (script: string, extra: Record<string, string> = {}) => run('bash', script, { ...env, ...extra }, bin);
  const shell = (sh: 'zsh' | 'fish', script: string) => run(sh, script, env, bin);

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'lb-cli-'));
    bin = join(tmp, 'bin');
    mkdirSync(bin);
    // The installed command: bin/lb.js run by its shebang, as `npx lb` and a global install run it.
    writeFileSync(join(bin, 'lb'), `#!/bin/sh\nexec "${LB}" "$@"\n`);
    chmodSync(join(bin, 'lb'), 0o755);
    s = await TestServer.start();
    env = { ...s.env, LB_CLI_CONFIG: join(tmp, 'cli.json') };
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    // The secret web's env reads, made by the CLI: from a file and a literal.
    writeFileSync(join(tmp, 'password'), 's3cr3t-from-file');
    const created = await lb('secret', 'create', 'creds', '-n', ns, '--from-file', `password=${join(tmp, 'password')}`, '--from-literal', 'user=admin');
    expect(created).toMatchObject({ code: 0, stdout: 'secret/creds created\n' });
    await s.client.apply(ns, [
      {
        kind: 'Service',
        meta: { name: 'web' },
        spec: {
          replicas: 1,
          template: {
            containers: [
              {
                name: 'web',
                image: { name: IMAGE },
                command: ['sleep', '3600'],
                env: [
                  { name: 'PASS', secret: { name: 'creds', key: 'password' } },
                  { name: 'WHO', secret: { name: 'creds', key: 'user' } },
                ],
              },
            ],
          },
        },
      },
      { kind: 'Service', meta: { name: 'idle' }, spec: { replicas: 1, selector: { node: 'nowhere' }, template: { containers: [{ name: 'c', image: { name: IMAGE } }] } } },
    ]);
    await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 1, 'web ready');
  }, 180_000);

  afterAll(async () => {
    await s?.client.deleteNamespace(ns).catch(() => undefined);
    await s?.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('bash completion loads, and completes commands, kinds and names from the server', async () => {
    // One shell sources the script once, then drives the function as bash does on TAB, once per case.
    const cases: string[][] = [
      ['lb', 'get', 'services', '-n', ns, 'w'],
      ['lb', 'get', 'svc', '--namespace', ns, ''],
      ['lb', 'ge'],
      ['lb', 'get', 'sec'],
      ['lb', 'get', 'secret', '-n', ns, ''],
      ['lb', 'get', 'ns', ns.slice(0, -2)],
      ['lb', 'exec', '-n', ns, ''],
    ];
    const drive = cases.map((w) => `COMP_WORDS=(${w.map((x) => `'${x}'`).join(' ')}); COMP_CWORD=${w.length - 1}; _lb_complete; echo "[\${COMPREPLY[*]}]"`);
    const r = await bash(`source <(lb completion bash) && complete -p lb && ${drive.join('; ')}`);
    expect(r.stderr).toBe('');
    const [loaded, ...offered] = r.stdout.trimEnd().split('\n');
    expect(loaded).toBe('complete -F _lb_complete lb');
    const [webPod] = (await s.pods(ns, 'web')).map((p) => p.meta.name);
    const sorted = (line: string) => line.slice(1, -1).split(' ').sort();
    expect(offered[0]).toBe('[web]');
    expect(sorted(offered[1])).toEqual(['idle', 'web']);
    expect(offered.slice(2, 6)).toEqual(['[get]', '[secrets]', '[creds]', `[${ns}]`]);
    expect(sorted(offered[6])).toEqual(expect.arrayContaining(['idle', 'web', webPod])); // exec: pods and services
    // a wrong token: nothing offered, nothing printed
    const refused = await bash(`source <(lb completion bash) && COMP_WORDS=(lb get svc -n ${ns} '') && COMP_CWORD=5 && _lb_complete; echo "n=\${#COMPREPLY[@]}"`, { LB_TOKEN: 'wrong' });
    expect(refused).toEqual({ code: 0, stdout: 'n=0\n', stderr: '' });
  });

  it('zsh and fish completion load too, and complete a service name from the server', async () => {
    // zsh: the completion function with the completion system's builtins stood in for (print what is offered)
    const zsh = await shell(
      'zsh',
      `compadd() { shift; print -l -- "$@"; }; _files() { print FILES; }; compdef() { print "compdef $*"; }
source <(lb completion zsh)
words=(lb get svc -n ${ns} w); CURRENT=6; _lb
words=(lb apply -f ''); CURRENT=4; _lb`,
    );
    expect(zsh).toEqual({ code: 0, stdout: 'compdef _lb lb\nweb\nFILES\n', stderr: '' });
    // fish: its own non-interactive completion of a command line
    const fish = await shell('fish', `lb completion fish | source; complete -C 'lb get svc -n ${ns} w'; complete -C 'lb scale -n ${ns} i'`);
    expect(fish).toEqual({ code: 0, stdout: 'web\nidle\n', stderr: '' });
  });

  it('-o wide adds columns, -o name prints KIND/NAME', async () => {
    const [pod] = readyPods(await s.pods(ns, 'web'));
    const pods = await lb('get', 'pods', '-n', ns, '--service', 'web', '-o', 'wide');
    expect(pods.code).toBe(0);
    const [head, row] = pods.stdout.trimEnd().split('\n').map((l) => l.split(/\s{2,}/));
    expect(head).toEqual(['NAME', 'SERVICE', 'DEPLOYMENT', 'NODE', 'STATE', 'IP', 'RESTARTS', 'AGE', 'READY', 'HOST_IP', 'IMAGES', 'MESSAGE']);
    expect(row.slice(0, 6)).toEqual([pod.meta.name, 'web', pod.meta.deployment, s.node, 'ready', pod.status.network.pod_ip]);
    expect(row.slice(8, 11)).toEqual(['1/1', pod.status.network.host_ip || '-', IMAGE]);

    const web = (JSON.parse((await lb('get', 'svc', 'web', '-n', ns, '-o', 'json')).stdout) as Service[])[0];
    const svc = await lb('get', 'svc', 'web', '-n', ns, '-o', 'wide');
    const [shead, srow] = svc.stdout.trimEnd().split('\n').map((l) => l.split(/\s{2,}/));
    expect(shead.slice(-3)).toEqual(['VIP', 'IMAGES', 'SELECTOR']);
    expect(srow.slice(-3, -1)).toEqual([web.status.network.ip || '-', IMAGE]);

    const names = await lb('get', 'svc', '-n', ns, '-o', 'name');
    expect(names).toMatchObject({ code: 0, stderr: '' });
    expect(names.stdout.split('\n').sort()).toEqual(['', 'service/idle', 'service/web']);
    expect((await lb('get', 'pods', '-n', ns, '--service', 'web', '-o', 'name')).stdout).toBe(`pod/${pod.meta.name}\n`);
    expect((await lb('get', 'deploy', 'web', '-n', ns, '-o', 'name')).stdout).toBe('deployment/web/v1\n');
  });

  it('the real process exits 2 on usage errors with a suggestion, 1 on failures', async () => {
    expect(await lb('gte', 'svc')).toEqual({ code: 2, stdout: '', stderr: 'error: unknown command \'gte\': did you mean "get"?\n' });
    const kind = await lb('get', 'srvices', '-n', ns);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toMatch(/: did you mean "services"\?\n$/);
    expect((await lb('get', 'svc', '-n', ns, '-o', 'xml')).code).toBe(2);
    expect(await lb('get', 'svc', 'nosuch', '-n', ns)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: .*not found/) });
  });

  it('--server and --token win over the environment and the context, before or after the command', async () => {
    // The context in the file points elsewhere with another token (the jest process sets no LB_SERVER or LB_TOKEN).
    writeFileSync(join(tmp, 'flags.json'), JSON.stringify({ server: 'https://127.0.0.1:9', token: 'not-this-one' }));
    const cli = (args: string[], extra: Record<string, string> = {}) => runLb(args, { LB_CLI_CONFIG: join(tmp, 'flags.json'), LB_CA_FILE: s.caFile, ...extra });
    expect((await cli(['get', 'svc', '-n', ns])).stderr).toMatch(/cannot reach the API server at https:\/\/127\.0\.0\.1:9 /);
    const names = { code: 0, stdout: 'service/web\n' };
    expect(await cli(['--server', s.url, '--token', s.token, 'get', 'svc', 'web', '-n', ns, '-o', 'name'])).toMatchObject(names);
    expect(await cli(['get', 'svc', 'web', '-n', ns, '-o', 'name', '--server', s.url, '--token', s.token])).toMatchObject(names);
    expect(await cli(['get', 'svc', 'web', '-n', ns, '-o', 'name', '--server', s.url, '--token', s.token], { LB_SERVER: 'https://127.0.0.1:9', LB_TOKEN: 'nope' })).toMatchObject(names);
    const refused = await cli(['get', 'svc', '-n', ns, '--server', s.url, '--token', 'wrong-token']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: /);
  });

  it('lb run --env-file: KEY=VALUE lines, --env wins; a bad line is refused naming it, nothing stored', async () => {
    writeFileSync(join(tmp, 'app.env'), '# app settings\nMODE=prod\nGREETING="hello world"\n\nexport LEVEL=debug\n');
    const ok = await lb('run', 'envy', IMAGE, '-n', ns, '--replicas', '0', '--env-file', join(tmp, 'app.env'), '-e', 'LEVEL=info', '--detach');
    expect(ok).toMatchObject({ code: 0, stdout: 'service/envy created\n' });
    const svc = await s.client.service(ns, 'envy');
    expect(svc.spec.template.containers[0].env).toEqual([
      { name: 'MODE', value: 'prod' },
      { name: 'GREETING', value: 'hello world' },
      { name: 'LEVEL', value: 'info' },
    ]);
    // the installed command (bin/lb.js by its shebang): the flag is lb's, not node's own --env-file
    const missing = await run('bash', `lb run nofile ${IMAGE} -n ${ns} --env-file ${join(tmp, 'missing.env')}`, env, bin);
    expect(missing).toEqual({ code: 2, stdout: '', stderr: `error: env-file: cannot read ${join(tmp, 'missing.env')}: ENOENT\n` });
    writeFileSync(join(tmp, 'bad.env'), 'A=1\nB C\n');
    const bad = await lb('run', 'badenv', IMAGE, '-n', ns, '--replicas', '0', '--env-file', join(tmp, 'bad.env'));
    expect(bad).toEqual({ code: 2, stdout: '', stderr: `error: env-file ${join(tmp, 'bad.env')} line 2: "B C" must be KEY=VALUE\n` });
    expect((await lb('get', 'svc', 'badenv', '-n', ns)).code).toBe(1);
    await s.client.deleteService(ns, 'envy');
  });

  it('lb secret create / lb config create store the files and literals given', async () => {
    // The secret's values reach web's container (the API shows them masked): see the exec case. Its keys:
    expect((await lb('get', 'secret', 'creds', '-n', ns)).stdout).toMatch(/^creds\s+opaque\s+password,user\s/m);
    writeFileSync(join(tmp, 'app.conf'), 'listen 8080\n');
    expect(await lb('config', 'create', 'app', '-n', ns, '--from-file', join(tmp, 'app.conf'), '--from-literal', 'mode=prod')).toMatchObject({ code: 0, stdout: 'config/app created\n' });
    expect((await s.client.get('config', ns, 'app')).spec.data).toEqual({ 'app.conf': 'listen 8080\n', mode: 'prod' });
    const missing = await lb('secret', 'create', 'nope', '-n', ns, '--from-file', join(tmp, 'missing'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*missing: ENOENT/);
    expect((await lb('get', 'secret', 'nope', '-n', ns)).code).toBe(1);
  });

  it('lb exec SERVICE runs in a ready pod of the service; a service without one is said so', async () => {
    const r = await lb('exec', 'web', '-n', ns, '--', 'sh', '-c', 'echo "$WHO:$PASS"; exit 3');
    expect(r).toEqual({ code: 3, stdout: 'admin:s3cr3t-from-file\n', stderr: '' });
    expect((await lb('exec', 'service/web', '-n', ns, '--', 'true')).code).toBe(0);
    const idle = await lb('exec', 'idle', '-n', ns, '--', 'true');
    expect(idle.code).toBe(1);
    expect(idle.stderr).toMatch(/^error: service "idle" has no ready pod \(idle-\S+ (pending|provisioning)\)/);
    expect((await lb('exec', 'nosuch', '-n', ns, '--', 'true')).stderr).toBe(`error: no pod or service "nosuch" in namespace "${ns}"\n`);
  });
});

// The original's request.JobManifest and TaskManifest as its Go client marshals them: Go's zero values
// and nulls mean unset; what maps is read into this project's fields, what has no meaning is refused by name.
import { issuesToFields } from '../validation';
import { JobManifest, JobSpec, TaskRunRequest } from './manifests';

const template = { containers: [{ name: 'main', image: { name: 'busybox', secret: {} }, command: 'echo hi' }] };
/** json.Marshal of request.JobManifestSpec with nothing set but the template. */
const goSpec = () => ({
  enabled: false,
  schedule: '',
  concurrency: { limit: 0, strategy: '' },
  provider: { timeout: '', http: null as unknown, cron: null as unknown, rabbitmq: null as unknown },
  hook: { http: null as unknown },
  resources: null as unknown,
  task: { selector: null, runtime: null as unknown, template },
});
const parse = (spec: unknown) => {
  const r = JobManifest.safeParse({ kind: 'Job', meta: { name: 'j' }, spec });
  return r.success ? r.data.spec : issuesToFields(r.error.issues);
};

describe("the original's request.JobManifest", () => {
  it('zero values and nulls are unset: the defaults apply, and the result is a stored spec as ours', () => {
    const s = parse(goSpec());
    expect(s).toMatchObject({ enabled: false, concurrency: { limit: 1, strategy: 'queue' } });
    expect(s).not.toHaveProperty('provider');
    expect(s).not.toHaveProperty('hook');
    expect(s).not.toHaveProperty('resources');
    expect(JobSpec.parse(s)).toEqual(s);
  });

  it('schedule is provider.cron.schedule, resources.request is requests, provider.timeout the http provider\'s', () => {
    const spec = { ...goSpec(), schedule: '0 3 * * *', resources: { request: { ram: '64mib', cpu: null, storage: null }, limits: null } };
    spec.provider = { timeout: '10s', http: { endpoint: 'https://ci.example/next', method: 'GET', headers: null }, cron: {}, rabbitmq: null };
    spec.hook = { http: { endpoint: 'https://ci.example/done', method: 'PUT', headers: { a: 'b' } } };
    expect(parse(spec)).toMatchObject({
      provider: { cron: { schedule: '0 3 * * *' }, http: { endpoint: 'https://ci.example/next', method: 'GET', timeout: '10s' } },
      hook: { http: { method: 'PUT' } },
      resources: { requests: { ram: '64mib' } },
    });
  });

  it('refuses by name what has no meaning here, or is said twice', () => {
    const withRuntime = { ...goSpec(), task: { ...goSpec().task, runtime: { services: ['dind'], tasks: [{ name: 'b', commands: ['make'] }] } } };
    expect(parse(withRuntime)).toEqual([{ field: 'spec.task.runtime', reason: expect.stringMatching(/task steps .* are not run here/) }]);
    // the Go client's empty runtime is no runtime
    expect(parse({ ...goSpec(), task: { ...goSpec().task, runtime: { services: null, tasks: [] } } })).not.toBeInstanceOf(Array);
    expect(parse({ ...goSpec(), provider: { ...goSpec().provider, rabbitmq: { url: 'amqp://x' } } })).toEqual([{ field: 'spec.provider.rabbitmq', reason: expect.stringMatching(/RabbitMQ/) }]);
    expect(parse({ ...goSpec(), provider: { ...goSpec().provider, cron: {} } })).toEqual([{ field: 'spec.provider.cron.schedule', reason: 'a cron provider needs a schedule' }]);
    expect(parse({ ...goSpec(), provider: { ...goSpec().provider, timeout: '5s' } })).toEqual([{ field: 'spec.provider.timeout', reason: expect.stringMatching(/http provider/) }]);
    expect(parse({ ...goSpec(), schedule: '* * * * *', provider: { ...goSpec().provider, cron: { schedule: '0 * * * *' } } })).toEqual([{ field: 'spec.schedule', reason: expect.stringMatching(/once/) }]);
    expect(parse({ ...goSpec(), resources: { request: { ram: '1mib' }, requests: { ram: '1mib' } } })).toEqual([{ field: 'spec.resources.request', reason: expect.stringMatching(/not both/) }]);
    expect(parse({ ...goSpec(), resources: { limits: { storage: '1gib' } } })).toEqual([{ field: 'spec.resources.limits.storage', reason: expect.any(String) }]);
  });
});

describe("the original's request.TaskManifest for a run", () => {
  const run = (body: unknown) => {
    const r = TaskRunRequest.safeParse(body);
    return r.success ? r.data : issuesToFields(r.error.issues);
  };
  it('empty (as its Go client sends it) is a run with no overrides; ours is unchanged', () => {
    expect(run({ meta: {}, spec: {} })).toEqual({ spec: { env: [] } });
    expect(run({ meta: { labels: {} }, spec: { runtime: null, selector: null, template: null } })).toEqual({ spec: { env: [] } });
    expect(run({ spec: { env: [{ name: 'A', value: 1 }] } })).toEqual({ spec: { env: [{ name: 'A', value: '1' }] } });
  });
  it("a task's own name, labels or template is refused: it is named by the server and runs its job's", () => {
    expect(run({ meta: { name: 'mine', labels: { a: 'b' } }, spec: { template } })).toEqual([
      { field: 'meta.name', reason: expect.stringMatching(/named by the server/) },
      { field: 'meta.labels', reason: expect.stringMatching(/job's labels/) },
      { field: 'spec.template', reason: expect.stringMatching(/its job's template/) },
    ]);
  });
});

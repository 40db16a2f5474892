import type { Job, PodTemplate, Task, TaskState } from '@lastbackend/sdk';
import { composeJobRun } from './jobs';

const template = (cmd: string): PodTemplate => ({ containers: [{ name: 'migrate', image: { name: 'busybox' }, command: ['sh', '-c', cmd] }] }) as unknown as PodTemplate;
const job = (cmd: string) => ({ spec: { task: { template: template(cmd) } } }) as unknown as Pick<Job, 'spec'>;
const task = (name: string, state: TaskState, cmd: string) => ({ meta: { name }, spec: { template: template(cmd) }, status: { state } }) as unknown as Task;

describe('composeJobRun: a compose Job runs on apply unless its template ran to success or runs now', () => {
  it('runs a job with no task, or whose tasks of this template failed or were cancelled', () => {
    expect(composeJobRun(job('a'), [])).toEqual({ run: true });
    expect(composeJobRun(job('a'), [task('m-1', 'failed', 'a'), task('m-2', 'cancelled', 'a')])).toEqual({ run: true });
  });

  it('runs again when only an earlier template succeeded or runs (the file changed)', () => {
    expect(composeJobRun(job('b'), [task('m-1', 'succeeded', 'a'), task('m-2', 'running', 'a')])).toEqual({ run: true });
  });

  it('does not run a template that succeeded already, or one a task runs or waits to run now', () => {
    expect(composeJobRun(job('a'), [task('m-1', 'failed', 'a'), task('m-2', 'succeeded', 'a')])).toEqual({ run: false, reason: 'task m-2 succeeded with the same template' });
    expect(composeJobRun(job('a'), [task('m-3', 'queued', 'a')])).toEqual({ run: false, reason: 'task m-3 runs it already' });
    // Key order does not make another template.
    const reordered = { ...task('m-4', 'succeeded', 'a'), spec: { template: { containers: [{ command: ['sh', '-c', 'a'], image: { name: 'busybox' }, name: 'migrate' }] } } } as unknown as Task;
    expect(composeJobRun(job('a'), [reordered])).toMatchObject({ run: false });
  });
});

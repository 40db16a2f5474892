import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { LbError } from '@lastbackend/sdk';
import { DockerImages, toPullProgress } from './cii';
import type { DockerClient } from './client';

/** What the kernel would hand the driver (DriverContext.info). */
const TEST_INFO = { name: 'docker', version: '0.0.0', api: ['2'] };
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** A client whose pull answers with the given progress lines and whose image inspect finds the image. */
function fakeClient(progress: object[]): DockerClient {
  const docker = new Docker({ socketPath: '/nonexistent.sock' });
  docker.pull = (async () => {
    const s = new PassThrough();
    setImmediate(() => {
      for (const p of progress) s.write(`${JSON.stringify(p)}\r\n`);
      s.end();
    });
    return s;
  }) as unknown as Docker['pull'];
  docker.getImage = (() => ({ inspect: async () => ({ Id: 'sha256:1', RepoTags: ['a:1'], Size: 5, Created: '2024-01-01T00:00:00Z', Config: { User: '1000' } }) })) as unknown as Docker['getImage'];
  return { api: docker, stream: docker, endpoint: 'fake', close() {} };
}

describe('DockerImages.pull', () => {
  it('follows the progress to the end and returns the image', async () => {
    const cii = new DockerImages(fakeClient([{ status: 'Pulling from a' }, { status: 'Downloaded newer image for a:1' }]), TEST_INFO, quiet);
    // The image's user comes along: the agent checks run_as_non_root against it.
    await expect(cii.pull('a:1')).resolves.toEqual({ id: 'sha256:1', tags: ['a:1'], size: 5, created: '2024-01-01T00:00:00.000Z', user: '1000' });
  });

  it('rejects when the progress stream reports an error', async () => {
    const cii = new DockerImages(
      fakeClient([{ status: 'Pulling from a' }, { errorDetail: { message: 'manifest unknown: manifest unknown' }, error: 'manifest unknown' }]),
      TEST_INFO,
      quiet,
    );
    const err = await cii.pull('a:1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LbError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', message: 'pull a:1: manifest unknown: manifest unknown' });
  });
});

describe('pull progress', () => {
  it('reports the pull stream as PullProgress, per layer, and a throwing listener does not fail the pull', async () => {
    const cii = new DockerImages(
      fakeClient([
        { status: 'Pulling from library/a', id: '1' },
        { status: 'Pulling fs layer', id: 'abc123' },
        { status: 'Downloading', id: 'abc123', progressDetail: { current: 512, total: 2048 }, progress: '[==>   ]' },
        { status: 'Pull complete', id: 'abc123', progressDetail: {} },
        { status: 'Digest: sha256:00' },
        { status: 'Status: Downloaded newer image for a:1' },
      ]),
      TEST_INFO,
      quiet,
    );
    const seen: unknown[] = [];
    await cii.pull('a:1', undefined, {
      onProgress: (p) => {
        seen.push(p);
        throw new Error('listener bug');
      },
    });
    expect(seen).toEqual([
      { status: 'Pulling from library/a', current: 0, total: 0 },
      { status: 'Pulling fs layer', layer: 'abc123', current: 0, total: 0 },
      { status: 'Downloading', layer: 'abc123', current: 512, total: 2048 },
      { status: 'Pull complete', layer: 'abc123', current: 0, total: 0 },
      { status: 'Digest: sha256:00', current: 0, total: 0 },
      { status: 'Status: Downloaded newer image for a:1', current: 0, total: 0 },
    ]);
    expect(toPullProgress({ error: 'x', errorDetail: { message: 'x' } })).toBeUndefined();
  });
});

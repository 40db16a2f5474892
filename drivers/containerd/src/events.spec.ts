import { join } from 'node:path';
import * as protobuf from 'protobufjs';
import { containerOf, labelsMatch, subscriptionFilters, type Envelope } from './events';
import { PROTO_DIR } from './grpc';
import { toLbError } from './errors';

const types = new protobuf.Root().loadSync([join(PROTO_DIR, 'events/task.proto'), join(PROTO_DIR, 'events/container.proto')], {
  keepCase: true,
});
const envelope = (name: string, fields: Record<string, unknown>, topic = '/tasks/exit'): Envelope => {
  const type = types.lookupType(`containerd.events.${name}`);
  return {
    timestamp: null,
    namespace: 'lastbackend',
    topic,
    event: { type_url: `containerd.events.${name}`, value: Buffer.from(type.encode(type.fromObject(fields)).finish()) },
  };
};

describe('containerOf', () => {
  it('names the container of task and container events', () => {
    expect(containerOf(envelope('TaskStart', { container_id: 'web', pid: 7 }))).toBe('web');
    expect(containerOf(envelope('TaskExit', { container_id: 'web', id: 'web', exit_status: 3 }))).toBe('web');
    expect(containerOf(envelope('ContainerDelete', { id: 'web' }))).toBe('web');
  });

  it('skips exits of exec processes and unknown payloads', () => {
    expect(containerOf(envelope('TaskExit', { container_id: 'web', id: 'exec-1' }))).toBeUndefined();
    expect(containerOf({ timestamp: null, namespace: 'x', topic: '/x', event: { type_url: 'nope.Nope', value: Buffer.alloc(0) } })).toBeUndefined();
  });
});

describe('event filters', () => {
  it('subscribes to the reported topics in the namespace only', () => {
    expect(subscriptionFilters('lb')).toContain('namespace=="lb",topic=="/tasks/exit"');
    expect(subscriptionFilters('lb')).toHaveLength(5);
  });

  it('matches every wanted label', () => {
    expect(labelsMatch({ a: '1', b: '2' }, { a: '1' })).toBe(true);
    expect(labelsMatch({ a: '1' }, { a: '2' })).toBe(false);
    expect(labelsMatch({}, undefined)).toBe(true);
  });
});

describe('toLbError', () => {
  it('maps gRPC codes and strips the grpc-js prefix', () => {
    const e = toLbError({ code: 5, message: '5 NOT_FOUND: container "x" not found', details: 'container "x" not found' }, 'start x');
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toBe('start x: container "x" not found');
    expect(toLbError({ code: 14, message: '14 UNAVAILABLE: no connection' }, 'list').retryable).toBe(true);
    expect(toLbError({ code: 13, message: 'boom' }, 'x').code).toBe('INTERNAL');
  });
});

// The client decodes answers without the wire schemas: zod and the schemas take longer to load than node
// takes to start, and every CLI command pays for what the client loads.
jest.mock('zod', () => {
  throw new Error('zod loaded');
});

it('the client and its decoders load no schema (no zod)', () => {
  expect(() => require('../client')).not.toThrow();
  expect(() => require('./index')).toThrow('zod loaded');
  const { decodeTemplate } = require('./decode') as typeof import('./decode');
  expect(decodeTemplate({ containers: [{ name: 'web', image: { name: 'nginx' }, ports: ['80/tcp'], restart_policy: { policy: 'always', attempt: 0 } }] } as never)).toEqual({
    containers: [{ name: 'web', image: { name: 'nginx' }, ports: [{ container: 80, protocol: 'tcp' }] }],
  });
});

// The role table and the refusal a caller outside it gets: the words of a 403, and that a namespace's
// existence plays no part in it.
import { applyGuard } from '../api/access';
import { refusal, inScope, ROLE_PERMISSIONS, PERMISSIONS, NAMESPACED, type ApiCaller } from './permissions';

const owner: ApiCaller = { role: 'admin' };
const ci: ApiCaller = { role: 'deployer', token: 'abc123', description: 'ci', namespaces: ['a'] };
const viewer: ApiCaller = { role: 'viewer', token: 'def456' };

describe('permissions', () => {
  it('admin has every permission a token can have; deployer and viewer are subsets; nothing grants join or node.self', () => {
    const granted = PERMISSIONS.filter((p) => p !== 'public' && p !== 'join' && p !== 'node.self');
    expect([...ROLE_PERMISSIONS.admin].sort()).toEqual([...granted].sort());
    for (const r of ['deployer', 'viewer'] as const) expect(ROLE_PERMISSIONS[r].every((p) => ROLE_PERMISSIONS.admin.includes(p))).toBe(true);
    expect(ROLE_PERMISSIONS.viewer.every((p) => ROLE_PERMISSIONS.deployer.includes(p))).toBe(true);
    expect(ROLE_PERMISSIONS.viewer.filter((p) => p.endsWith('.write') || p.endsWith('.exec') || p.endsWith('.manage') || p === 'cluster.admin')).toEqual([]);
    expect(ROLE_PERMISSIONS.deployer.filter((p) => p.endsWith('.manage') || p === 'cluster.admin')).toEqual([]);
  });

  it('names the token, its role, the missing permission and the namespace', () => {
    expect(refusal(ci, 'namespace.write', 'prod')).toBe('token "ci" (role deployer) lacks "namespace.write" on namespace "prod"');
    expect(refusal(ci, 'namespace.write', 'a')).toBeUndefined();
    expect(refusal(ci, 'token.manage')).toBe('token "ci" (role deployer) lacks "token.manage"');
    expect(refusal(viewer, 'namespace.exec', 'x')).toBe('token "def456" (role viewer) lacks "namespace.exec" on namespace "x"');
    expect(refusal(viewer, 'logs.read', 'x')).toBeUndefined(); // no namespaces: all of them
    expect(refusal(owner, 'join')).toBe('the admin token (role admin) lacks "join"');
    expect(refusal(owner, 'namespace.manage', 'x')).toBeUndefined();
  });

  it('a scope limits namespaced permissions only', () => {
    expect(inScope(ci, 'a')).toBe(true);
    expect(inScope(ci, 'b')).toBe(false);
    expect(inScope(viewer, 'anything')).toBe(true);
    expect(refusal(ci, 'cluster.read', 'b')).toBeUndefined();
    for (const p of NAMESPACED) expect(refusal({ ...ci, role: 'admin' }, p, 'b')).toMatch(/on namespace "b"/);
  });

  it("an apply's guard: a Namespace manifest is an admin's, an object lands only in a namespace in scope", () => {
    expect(() => applyGuard(ci)({ kind: 'Namespace', name: 'new' })).toThrow('token "ci" (role deployer) lacks "namespace.manage": a Namespace manifest (namespace "new") is for admins');
    expect(() => applyGuard(ci)({ kind: 'Secret', namespace: 'b' })).toThrow('token "ci" (role deployer) lacks "namespace.write" on namespace "b"');
    expect(() => applyGuard(ci)({ kind: 'Service', namespace: 'a' })).not.toThrow();
    expect(() => applyGuard(owner)({ kind: 'Namespace', name: 'new' })).not.toThrow();
    expect(() => applyGuard(viewer)({ kind: 'Config', namespace: 'a' })).toThrow(/lacks "namespace.write"/);
    expect(() => applyGuard({ role: 'node', node: 'n', certified: true })({ kind: 'Config', namespace: 'a' })).toThrow();
  });
});

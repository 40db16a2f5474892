import { hostsFile, resolvConf } from './etc-files';

describe('/etc files', () => {
  it('writes the spec resolver, else the host one without loopback servers', () => {
    expect(resolvConf({ servers: ['10.0.0.10'], search: ['a.local'], options: ['ndots:5'] }, '')).toBe('nameserver 10.0.0.10\nsearch a.local\noptions ndots:5\n');
    expect(resolvConf(undefined, 'nameserver 127.0.0.53\nnameserver 10.1.1.1\nsearch x\n')).toBe('nameserver 10.1.1.1\nsearch x\n');
  });
  it('names the container in its hosts when it has a name', () => {
    expect(hostsFile('web')).toContain('127.0.0.1\tweb\n');
    expect(hostsFile()).toBe('127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  });
});

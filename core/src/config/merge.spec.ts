import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DRIVERS, loadConfig } from './config';

describe('config: a partial file merges with the defaults', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lb-cfg-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const load = (yaml?: string) => {
    const file = yaml === undefined ? undefined : join(dir, 'c.yaml');
    if (file) writeFileSync(file, yaml!);
    return loadConfig({ file, env: {}, flags: { dataDir: dir } });
  };

  it('runs the default drivers without a file, vxlan as the CNI', () => {
    const cfg = load();
    expect(cfg.drivers).toEqual(DEFAULT_DRIVERS);
    expect(cfg.drivers.cni?.package).toBe('@lastbackend/driver-vxlan');
    expect(cfg.drivers.cri?.package).toBe('@lastbackend/driver-docker');
  });

  it('keeps every other kind when a file names only drivers.cni (it used to fail with "no cri driver")', () => {
    const cfg = load('drivers:\n  cni: { package: "@lastbackend/driver-vxlan", config: { mtu: 1400 } }\n');
    expect(cfg.drivers.cri).toEqual(DEFAULT_DRIVERS.cri);
    expect(cfg.drivers.cii).toEqual(DEFAULT_DRIVERS.cii);
    expect(cfg.drivers.csi).toEqual(DEFAULT_DRIVERS.csi);
    expect(cfg.drivers.cpi).toEqual(DEFAULT_DRIVERS.cpi);
    expect(cfg.drivers.cni).toEqual({ package: '@lastbackend/driver-vxlan', config: { mtu: 1400 } });
  });

  it('turns a kind off with none (or null)', () => {
    const cfg = load('drivers:\n  cni: none\n  cpi: null\n');
    expect(cfg.drivers.cni).toBeNull();
    expect(cfg.drivers.cpi).toBeNull();
    expect(cfg.drivers.cri).toEqual(DEFAULT_DRIVERS.cri);
  });

  it('lays an entry without a package over the default one; its config replaces the default config', () => {
    const cfg = load('drivers:\n  cpi: { config: { scheduler: wrr } }\n  cni: { isolation: process }\n');
    expect(cfg.drivers.cpi).toEqual({ ...DEFAULT_DRIVERS.cpi, config: { scheduler: 'wrr' } });
    expect(cfg.drivers.cni).toEqual({ ...DEFAULT_DRIVERS.cni, isolation: 'process' });
  });

  it('replaces the default entry, fallback included, when the file names a package', () => {
    const cfg = load('drivers:\n  cpi: { package: "@lastbackend/driver-ipvs" }\n  csi: { package: "@acme/driver-nfs", config: { server: nas } }\n');
    expect(cfg.drivers.cpi).toEqual({ package: '@lastbackend/driver-ipvs', config: {} });
    expect(cfg.drivers.csi).toEqual({ package: '@acme/driver-nfs', config: { server: 'nas' } });
  });

  it('fills the keys a section leaves out from the defaults', () => {
    const cfg = load('network: { service_cidr: 10.99.0.0/16 }\nnode: { labels: { zone: a } }\ncontroller: { resync: 3 }\n');
    expect(cfg.network).toEqual({ cluster_cidr: '10.210.0.0/16', node_prefix: 24, service_cidr: '10.99.0.0/16' });
    expect(cfg.node).toMatchObject({ labels: { zone: 'a' }, max_pods: 110, heartbeat: 5, agent: true });
    expect(cfg.controller).toEqual({ history: 10, node_not_ready_after: 20, node_offline_after: 60, resync: 3 });
    expect(cfg.drivers).toEqual(DEFAULT_DRIVERS);
  });

  it('refuses a kind that is neither none nor an entry, naming the field and what it may be', () => {
    expect(() => load('drivers:\n  cni: vxlan\n')).toThrow(/drivers\.cni: must be none \(no driver of this kind\) or an entry such as \{ package/);
    expect(() => load('drivers:\n  cni: [a]\n')).toThrow(/drivers\.cni: must be none/);
  });

  it('refuses unknown kinds and unknown fields of a merged entry by name', () => {
    expect(() => load('drivers:\n  cdi: none\n')).toThrow(/drivers\.cdi: unknown field/);
    expect(() => load('drivers:\n  cni: { colour: blue }\n')).toThrow(/drivers\.cni\.colour: unknown field/);
    expect(() => load('drivers: none\n')).toThrow(/drivers: /);
  });

  it('refuses a node_offline_after that is not larger than node_not_ready_after (tasks would rerun before their node fences)', () => {
    expect(() => load('controller: { node_not_ready_after: 20, node_offline_after: 20 }\n')).toThrow(/controller\.node_offline_after: must be larger than node_not_ready_after/);
    expect(() => load('controller: { node_offline_after: 10 }\n')).toThrow(/controller\.node_offline_after: must be larger/);
    expect(load('controller: { node_not_ready_after: 2, node_offline_after: 8 }\n').controller).toMatchObject({ node_not_ready_after: 2, node_offline_after: 8 });
  });

  it('does not let one load change the defaults another sees', () => {
    const a = load('drivers:\n  cni: { config: { mtu: 1400 } }\n');
    (a.drivers.cri!.config as Record<string, unknown>).socket = '/x';
    expect(load().drivers).toEqual(DEFAULT_DRIVERS);
    expect(DEFAULT_DRIVERS.cri.config).toEqual({});
  });
});

// Conformance suite for ImageService (CII) drivers. Call it from a jest test file:
//   runCiiConformance('docker', async () => ({ cii, presentImage: 'lb-test/busybox:latest', cleanup }));
import { DRIVER_API_VERSION, type ImageService } from '../drivers/types';
import { isLbErrorLike, uniqueSuffix } from './helpers';

export interface CiiConformanceSubject {
  cii: ImageService;
  /** An image already present in the store; the suite never removes it. */
  presentImage: string;
  /** Called after the suite (e.g. to dispose the driver). */
  cleanup?: () => Promise<void>;
}

/** A registry on a closed loopback port: pulls from it fail fast without leaving the host. */
export const UNREACHABLE_IMAGE = '127.0.0.1:1/nope:latest';

/** Registers a describe() block that checks `factory()`'s image service against the CII contract. */
export function runCiiConformance(name: string, factory: () => Promise<CiiConformanceSubject>): void {
  describe(`CII conformance: ${name}`, () => {
    const run = uniqueSuffix();
    let subject: CiiConformanceSubject | undefined;
    const s = (): CiiConformanceSubject => {
      if (!subject) throw new Error('the conformance factory failed; see the beforeAll error');
      return subject;
    };

    beforeAll(async () => {
      subject = await factory();
    });

    afterAll(async () => {
      await subject?.cleanup?.();
    });

    it('info() names the driver and speaks the SDK driver API; probe() reports ready', async () => {
      const info = s().cii.info();
      expect(info.name.length).toBeGreaterThan(0);
      expect(info.api).toContain(DRIVER_API_VERSION);
      await expect(s().cii.probe()).resolves.toMatchObject({ state: 'ready' });
      expect(typeof s().cii.capabilities.push).toBe('boolean');
      expect(typeof s().cii.capabilities.import).toBe('boolean');
      if (s().cii.capabilities.push) expect(typeof s().cii.push).toBe('function');
    });

    it('inspect() of a present image returns it', async () => {
      const info = await s().cii.inspect(s().presentImage);
      expect(info).not.toBeNull();
      expect(info?.id).toEqual(expect.any(String));
      expect(info?.id.length).toBeGreaterThan(0);
      expect(info?.tags).toEqual(expect.any(Array));
      expect(info?.size).toEqual(expect.any(Number));
    });

    it('inspect() of a missing image is null', async () => {
      await expect(s().cii.inspect(`lb-conformance/missing-${run}:nope`)).resolves.toBeNull();
    });

    it('list() includes the present image', async () => {
      const present = await s().cii.inspect(s().presentImage);
      const all = await s().cii.list();
      expect(all.map((i) => i.id)).toContain(present?.id);
    });

    it('remove() of a missing image succeeds', async () => {
      await expect(s().cii.remove(`lb-conformance/missing-${run}:nope`)).resolves.toBeUndefined();
    });

    it('pull() from an unreachable registry rejects with an LbError', async () => {
      const err: unknown = await s()
        .cii.pull(UNREACHABLE_IMAGE)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isLbErrorLike(err)).toBe(true);
      expect((err as Error).message.length).toBeGreaterThan(0);
      await expect(s().cii.inspect(UNREACHABLE_IMAGE)).resolves.toBeNull();
    });
  });
}

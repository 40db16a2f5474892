// Conformance suite for ImageService (CII) drivers. Call it from a jest test file:
//   runCiiConformance('docker', async () => ({ cii, presentImage: 'lb-test/busybox:latest', cleanup }));
import { ciiFeatures } from '../drivers/features';
import { DRIVER_API_VERSION, type ImageService, type PullProgress } from '../drivers/types';
import { isLbErrorLike, uniqueSuffix } from './helpers';

export interface CiiConformanceSubject {
  cii: ImageService;
  /** An image already present in the store; the suite never removes it. */
  presentImage: string;
  /**
   * An image the driver can pull from a registry (e.g. a private one the test started), which the suite removes
   * before it pulls; without one, pull progress is checked only on a pull that fails.
   */
  pullableImage?: string;
  /** Called after the suite (e.g. to dispose the driver). */
  cleanup?: () => Promise<void>;
}

/** A progress report as the contract has it. */
const wellFormed = (p: PullProgress): boolean =>
  typeof p.status === 'string' &&
  Number.isFinite(p.current) &&
  Number.isFinite(p.total) &&
  p.current >= 0 &&
  p.total >= 0 &&
  (p.layer === undefined || typeof p.layer === 'string');

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

    it('features are booleans; pull() with onProgress reports well-formed progress when declared', async () => {
      if (s().cii.features !== undefined) expect(typeof s().cii.features?.pullProgress).toBe('boolean');
      const seen: PullProgress[] = [];
      // A listener that throws must not fail the pull (nor a failing pull become another error).
      const onProgress = (p: PullProgress): void => {
        seen.push(p);
        throw new Error('a listener bug');
      };
      const err: unknown = await s()
        .cii.pull(UNREACHABLE_IMAGE, undefined, { onProgress })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isLbErrorLike(err)).toBe(true);
      expect(seen.every(wellFormed)).toBe(true);
      const image = s().pullableImage;
      if (!image || !ciiFeatures(s().cii).pullProgress) return;
      await s().cii.remove(image);
      seen.length = 0;
      const info = await s().cii.pull(image, undefined, { onProgress });
      expect(info.id.length).toBeGreaterThan(0);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every(wellFormed)).toBe(true);
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

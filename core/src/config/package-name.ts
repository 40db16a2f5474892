// What may name a driver or hook package. Through the API only an npm package name: the kernel then finds
// it among the packages installed for the node (never in the current directory, never at a path the
// caller picks). The admin's own config file may also give a path to a package directory.
import { z } from 'zod';

/** An npm package name, scoped or not (npm's rules for new packages: lowercase, URL-safe, ≤ 214). */
const NPM_NAME = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/;

export const isPackageName = (s: string): boolean => s.length <= 214 && NPM_NAME.test(s);

/** A path to a package directory as the config file may give it: absolute, or ./ ../ relative to the file. */
export const isPackagePath = (s: string): boolean => s.startsWith('/') || s.startsWith('./') || s.startsWith('../');

export const NAME_ONLY_REASON =
  'must be an npm package name such as @acme/driver-foo; a path is not accepted through the API (install the package into <data dir>/drivers, or with lb)';

/** A package through the API (`lb driver set`): a name only. */
export const packageName = z.string().min(1).refine(isPackageName, NAME_ONLY_REASON).describe('npm package name of the driver');

/** A package in the config file: a name, or a path to a package directory. */
export const packageRef = z
  .string()
  .min(1)
  .refine(
    (s) => isPackageName(s) || isPackagePath(s),
    'must be an npm package name such as @acme/driver-foo, or a path to a package directory (absolute, or ./ ../ relative to the config file)',
  )
  .describe('npm package name of the driver, or a path to its directory (config file only)');

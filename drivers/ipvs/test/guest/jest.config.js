// Jest config for the guest half of the IPVS test: run inside User-Mode Linux by ../ipvs.test.ts (never
// on the host; the root config does not match *.guest.ts). The root fs is read-only in the guest, so the
// cache goes to tmpfs, and only this directory is crawled.
const path = require('node:path');

const root = path.resolve(__dirname, '../../../..');
module.exports = {
  rootDir: root,
  roots: ['<rootDir>/drivers/ipvs/test/guest'],
  testMatch: ['<rootDir>/drivers/ipvs/test/guest/**/*.guest.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  cacheDirectory: process.env.LB_GUEST_JEST_CACHE || '/tmp/jest-ipvs-guest',
  watchman: false,
  testTimeout: 60000,
};

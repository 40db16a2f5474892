// Conformance suites for driver authors (jest): `import { runCriConformance } from '@lastbackend/sdk/testing'`.
export { runCriConformance, type CriConformanceSubject } from './cri-conformance';
export { runCiiConformance, UNREACHABLE_IMAGE, type CiiConformanceSubject } from './cii-conformance';
export { runCpiConformance, canonicalTable, type CpiConformanceSubject } from './cpi-conformance';
export { runCsiConformance, type CsiConformanceSubject } from './csi-conformance';
export { runCniConformance, type CniConformanceSubject } from './cni-conformance';
export { isLbErrorLike } from './helpers';
export { runTests, errorText, type TestReport, type TestResult, type RunnerOptions } from './runner';
export { packageDriverInfo } from './driver-info';
export { runDiscoveryConformance, type DiscoveryConformanceSubject } from './discovery-conformance';
export { runIngressConformance, type IngressConformanceSubject } from './ingress-conformance';
export { WIRE_FIXTURES } from './wire-fixtures';

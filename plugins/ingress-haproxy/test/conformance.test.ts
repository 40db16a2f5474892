// The haproxy ingress plugin against the SDK's ingress plugin conformance suite, as a third party's would run.
import { runIngressConformance } from '@lastbackend/sdk/testing';
import plugin from '../src';

jest.setTimeout(60000);

runIngressConformance('@lastbackend/plugin-ingress-haproxy', async () => ({ plugin }));

// Writes the OpenAPI document to a file: node core/dist/openapi/write-spec.js docs/openapi.json
import { writeFileSync } from 'node:fs';
import { buildOpenApi } from './spec';
import { VERSION } from '../version';

const out = process.argv[2] ?? 'openapi.json';
writeFileSync(out, JSON.stringify(buildOpenApi(VERSION), null, 2) + '\n');
process.stdout.write(`wrote ${out}\n`);

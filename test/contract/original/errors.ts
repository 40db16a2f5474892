// The original Last.Backend's error answer, written from its Go type errors.Http
// (pkg/distribution/errors/http.go): {code int, status string, message string}. Go's encoding/json
// ignores fields it does not know (our reason, fields) but fails on a type mismatch (a string code),
// so the schema is loose to extra keys and strict on the types of its own.
import { z } from 'zod';

export const OriginalHttpError = z.looseObject({
  code: z.number().int(),
  status: z.string(),
  message: z.string(),
});
export type OriginalHttpError = z.infer<typeof OriginalHttpError>;

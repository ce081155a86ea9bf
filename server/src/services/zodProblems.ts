// zod issues → field problems ("standards.2.threshold: must be ≥ 0"): the one mapper, shared by the standards file
// loader and the HTTP edge's validation. The messages are already ours: every input is parsed with parseInput
// (protocol/issues.ts), which words each issue a schema left to zod.
import { z } from 'zod';
import { knownKeysOf, unknownFieldMessage, type FieldProblem } from '../protocol';

/** `unknownKey` words a key its object does not know (`known`: the keys it does, when zod's object refused it). */
export function zodProblems(error: z.ZodError, prefix: Array<string | number> = [], unknownKey: (key: string, known: readonly string[]) => string = unknownFieldMessage): FieldProblem[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: [...path, key].join('.'), message: unknownKey(key, knownKeysOf(issue)) }));
    return [{ path: path.join('.') || '(body)', message: issue.message }];
  });
}

/** The same error with unknown keys reported first, as a request's problems are listed (a typo explains what follows). */
export function unknownKeysFirst(error: z.ZodError): z.ZodError {
  return new z.ZodError([...error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys')));
}

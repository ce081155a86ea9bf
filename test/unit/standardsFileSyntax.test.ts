// A standards file the parser cannot read names where it stopped, line and column, as well as why: for YAML and
// JSON, a fault in the middle and a file that ends too soon, and an alias naming no anchor.
import { describe, expect, it } from 'vitest';
import { parseStandardsConfig } from '../../server/src/services/standardsFile';

const problemsOf = (text: string, kind: 'yaml' | 'json') => {
  const parsed = parseStandardsConfig(text, kind);
  return parsed.ok ? [] : parsed.problems;
};

describe('a standards file that is not valid YAML or JSON', () => {
  it('names the line and column of each YAML fault, the end of the file for one left open', () => {
    expect(problemsOf('standards: [', 'yaml')).toEqual([
      { path: '(file)', message: 'is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ], at line 1, column 13 (the end of the file)' },
    ]);
    expect(problemsOf('standards:\n  - id: x\n   name: X\n', 'yaml')).toEqual([{ path: '(file)', message: 'is not valid YAML: Sequence item without - indicator, at line 3, column 1' }]);
    expect(problemsOf('sites:\n  - id: a\nsites: []\n', 'yaml')).toEqual([{ path: '(file)', message: 'is not valid YAML: Map keys must be unique, at line 3, column 1' }]);
    expect(problemsOf('standards:\n  - &one {id: x}\n  - *two\n', 'yaml')).toEqual([{ path: '(file)', message: 'is not valid YAML: alias *two names no anchor set before it, at line 3, column 5' }]);
  });

  it('names the line and column of a JSON fault, whether or not JSON.parse gives its position', () => {
    // An unexpected token: JSON.parse quotes the text around it (line breaks and all) rather than saying where.
    expect(problemsOf('{\n  "standards": [],\n  "sites": x\n}', 'json')).toEqual([{ path: '(file)', message: "is not valid JSON: Unexpected token 'x', at line 3, column 12" }]);
    expect(problemsOf('{\n  "sites": [],\n}', 'json')).toEqual([{ path: '(file)', message: 'is not valid JSON: Expected double-quoted property name, at line 3, column 1' }]);
    expect(problemsOf('{"standards": [', 'json')).toEqual([{ path: '(file)', message: 'is not valid JSON: Unexpected end of JSON input, at line 1, column 16 (the end of the file)' }]);
  });
});

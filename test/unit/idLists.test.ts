// The one rule of lists of ids (export filters, the dashboard's and the extension's requests, keys create --site),
// and why a new site id may not hold a comma.
import { describe, expect, it } from 'vitest';
import { appendIdList, idListCandidates, readIdList, siteIdProblem } from '../../server/src/protocol/pure/idLists';
import { siteDefinitionSchema } from '../../server/src/protocol/sites';

const stored = (...ids: string[]) => (id: string) => ids.includes(id);

describe('readIdList', () => {
  it('one value: the ids between its commas, trimmed, each once; itself when it is an id', () => {
    expect(readIdList(['a, b,a'], stored())).toEqual(['a', 'b']);
    expect(readIdList(['North, Annex'], stored('North, Annex'))).toEqual(['North, Annex']);
    expect(readIdList([' North, Annex '], stored('North, Annex'))).toEqual(['North, Annex']);
    expect(readIdList(['North, Annex'], stored('North'))).toEqual(['North', 'Annex']);
    expect(readIdList(['a,,b'], stored())).toEqual(['a', '', 'b']); // the caller refuses the empty id
  });
  it('several values: each one id, whole, whatever it holds', () => {
    expect(readIdList(['x,y', ' z '], stored())).toEqual(['x,y', 'z']);
    expect(readIdList(['a', 'a'], stored())).toEqual(['a']);
    expect(readIdList([], stored())).toEqual([]);
  });
  it('what to look up first: each value whole and its parts', () => {
    expect(idListCandidates(['North, Annex', 'b'])).toEqual(['North, Annex', 'North', 'Annex', 'b']);
  });
  it('written one parameter per id, so any id is read back whole', () => {
    const q = new URLSearchParams();
    appendIdList(q, 'site', ['North, Annex', 'harbour']);
    expect(readIdList(q.getAll('site'), stored())).toEqual(['North, Annex', 'harbour']);
  });
});

describe('site ids', () => {
  it('a new one may not hold a comma', () => {
    expect(siteIdProblem('North Annex')).toBeNull();
    expect(siteIdProblem('North, Annex')).toMatch(/^must not contain a comma/);
    expect(siteDefinitionSchema.safeParse({ id: 'a,b' }).error?.issues).toMatchObject([{ path: ['id'], message: siteIdProblem('a,b') }]);
  });
});

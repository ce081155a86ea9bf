// The one rule of lists of ids (export filters, the dashboard's and the extension's requests, keys create --site),
// and why a new site id may not hold a comma.
import { describe, expect, it } from 'vitest';
import { inScope } from '../../server/src/domain/judge';
import { maySiteWrite } from '../../server/src/domain/keys';
import { DEFAULT_STANDARDS } from '../../server/src/domain/standards';
import { standardDefinitionSchema } from '../../server/src/protocol';
import { appendIdList, idListCandidates, normalSiteId, readIdList, siteIdAsRead, siteIdProblem } from '../../server/src/protocol/pure/idLists';
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

describe('site ids in NFC', () => {
  const NFC = 'Z\u00fcrich';
  const NFD = 'Zu\u0308rich';
  it('a write takes the NFC form; a read a stored id as it is, else its NFC form', () => {
    expect(normalSiteId(NFD)).toBe(NFC);
    expect(siteDefinitionSchema.parse({ id: ` ${NFD} ` }).id).toBe(NFC);
    expect(siteIdAsRead(NFD, stored())).toBe(NFC);
    expect(siteIdAsRead(NFD, stored(NFD))).toBe(NFD);
    expect(idListCandidates([`${NFD},b`])).toEqual([`${NFD},b`, NFD, 'b', `${NFC},b`, NFC]);
  });
  it("a standard's scope takes its sites in NFC, and one stored in another form still judges the site's events", () => {
    const definition = { id: 'zurich-calls', name: 'Zürich calls', eventType: 'call', measure: 'rings', operator: '<=', threshold: 2, target: 0.9, scope: { sites: [NFD] } };
    expect(standardDefinitionSchema.parse(definition).scope?.sites).toEqual([NFC]);
    const stored = { ...DEFAULT_STANDARDS[0]!, scope: { sites: [NFD] } };
    const event = { type: 'call', outcome: 'answered', rings: 1, answerSeconds: 5, greetSeconds: null, site: NFC, queue: null };
    expect(inScope(event, stored)).toBe(true);
    expect(inScope({ ...event, site: 'Zurich' }, stored)).toBe(false);
  });
  it("a key listing a site in another form (written before the rule) writes that site's events", () => {
    expect(maySiteWrite([NFD], NFC)).toBe(true);
    expect(maySiteWrite([NFC], NFD)).toBe(true);
    expect(maySiteWrite([NFC], 'Zurich')).toBe(false);
  });
});

// RFC 3161 trusted timestamps, the little DER they need: the request (TimeStampReq) built by hand, the token cut out of
// the answer (TimeStampResp), and the message imprint and time read from a token's TSTInfo. Nothing here checks the
// token's CMS signature: that is the TSA's certificate chain, checked offline (`openssl ts -verify`, docs/audit.md).
// scripts/verify-export.mjs repeats the token reading for auditors (tested against this).

/** SHA-256's AlgorithmIdentifier: SEQUENCE { OID 2.16.840.1.101.3.4.2.1, NULL }. */
const SHA256_ALGORITHM = Buffer.from('300d06096086480165030402010500', 'hex');

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, content: Buffer) => Buffer.concat([Buffer.from([tag]), length(content.length), content]);

/** A positive INTEGER from big-endian bytes (a leading 0 when the high bit is set). */
const positiveInteger = (bytes: Buffer) => tlv(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);

/** TimeStampReq v1 for a SHA-256 digest, with a nonce, asking for the TSA's certificate in the token. */
export function timestampRequest(sha256: Buffer, nonce: Buffer): Buffer {
  const imprint = tlv(0x30, Buffer.concat([SHA256_ALGORITHM, tlv(0x04, sha256)]));
  return tlv(0x30, Buffer.concat([tlv(0x02, Buffer.from([1])), imprint, positiveInteger(nonce), tlv(0x01, Buffer.from([0xff]))]));
}

interface Node {
  tag: number;
  start: number;
  end: number;
  /** The whole TLV, from its tag. */
  from: number;
}

function node(der: Buffer, at: number): Node {
  const tag = der[at]!;
  let len = der[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i += 1) len = len * 256 + der[start + i]!;
    start += n;
  }
  if (start + len > der.length) throw new Error('truncated DER');
  return { tag, start, end: start + len, from: at };
}

function children(der: Buffer, parent: Node): Node[] {
  const out: Node[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const n = node(der, at);
    out.push(n);
    at = n.end;
  }
  return out;
}

/** The answer's status (0 granted, 1 granted with modifications, else refused) and its token (ContentInfo DER). */
export function tokenOfResponse(der: Buffer): { status: number; token: Buffer | null } {
  const [statusInfo, token] = children(der, node(der, 0));
  const status = statusInfo ? children(der, statusInfo)[0] : undefined;
  if (!status || status.tag !== 0x02) throw new Error('not a TimeStampResp');
  return { status: der[status.end - 1]!, token: token ? der.subarray(token.from, token.end) : null };
}

/** A token's TSTInfo: the hashed message (hex) and the TSA's time (genTime, ISO). */
export function tokenInfo(token: Buffer): { hashedMessage: string; genTime: string } {
  const signedData = children(token, children(token, node(token, 0))[1]!)[0]!; // [0] EXPLICIT SignedData
  const encap = children(token, signedData)[2]!; // version, digestAlgorithms, encapContentInfo
  const octets = children(token, children(token, encap)[1]!)[0]!; // [0] EXPLICIT OCTET STRING
  const tst = token.subarray(octets.start, octets.end);
  const fields = children(tst, node(tst, 0)); // version, policy, messageImprint, serialNumber, genTime
  const hashed = children(tst, fields[2]!)[1]!;
  const time = tst.subarray(fields[4]!.start, fields[4]!.end).toString('latin1'); // YYYYMMDDhhmmss[.f]Z
  const genTime = `${time.slice(0, 4)}-${time.slice(4, 6)}-${time.slice(6, 8)}T${time.slice(8, 10)}:${time.slice(10, 12)}:${time.slice(12)}`;
  return { hashedMessage: tst.subarray(hashed.start, hashed.end).toString('hex'), genTime };
}

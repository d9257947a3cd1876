// Independent check of a Status List Token in CWT format: cbor-x decodes
// the COSE_Sign1 and the CWT claims, node:crypto checks the ES256
// signature over the COSE Sig_structure (RFC 9052 Section 4.4), node:zlib
// inflates the list, and the status of an index is read by the draft's
// bit layout ("Status List").
// Input (stdin, JSON): {"cwt_b64": "<base64 COSE_Sign1>", "jwk": {...}, "uri": "...", "indices": [0, 42]}
// Output (stdout, JSON): {"ok": true, "typ": ..., "bits": n, "sub": ..., "ttl": ..., "statuses": [...]} or {"ok": false, "error": "..."}
import { Decoder, encode } from 'cbor-x';
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';

const input = JSON.parse(readFileSync(0, 'utf8'));
const dec = new Decoder({ mapsAsObjects: false });

async function main() {
  const token = Buffer.from(input.cwt_b64, 'base64');
  let sign1 = dec.decode(token);
  if (sign1 && sign1.tag === 18) sign1 = sign1.value;
  const [protectedBytes, , payload, signature] = sign1;
  const protectedHeader = dec.decode(protectedBytes);
  if (protectedHeader.get(1) !== -7) throw new Error(`alg ${protectedHeader.get(1)}`);
  const typ = protectedHeader.get(16);
  if (typ !== 'application/statuslist+cwt') throw new Error(`typ ${typ}`);
  const toBeSigned = encode(['Signature1', protectedBytes, Buffer.alloc(0), payload]);
  const key = createPublicKey({ key: input.jwk, format: 'jwk' });
  if (!verify('sha256', toBeSigned, { key, dsaEncoding: 'ieee-p1363' }, signature)) throw new Error('signature does not verify');
  const claims = dec.decode(payload);
  const sub = claims.get(2);
  if (sub !== input.uri) throw new Error(`sub ${sub} != ${input.uri}`);
  if (typeof claims.get(6) !== 'number') throw new Error('no iat');
  const sl = claims.get(65533);
  const bits = sl.get('bits');
  const list = inflateSync(sl.get('lst'));
  const status = (i) => (list[Math.floor((i * bits) / 8)] >> ((i * bits) % 8)) & ((1 << bits) - 1);
  return { ok: true, typ, bits, sub, ttl: claims.get(65534) ?? null, statuses: input.indices.map(status) };
}

main()
  .then((r) => process.stdout.write(JSON.stringify(r)))
  .catch((e) => process.stdout.write(JSON.stringify({ ok: false, error: String(e?.message ?? e) })));

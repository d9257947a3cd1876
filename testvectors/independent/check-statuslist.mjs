// Independent check of a Status List Token (JWT) with @sd-jwt/jwt-status-list
// (OpenWallet Foundation) for the list and jose for the signature.
// Input (stdin, JSON): {"jwt": "<statuslist+jwt>", "jwk": {...}, "uri": "...", "indices": [0, 42]}
// Output (stdout, JSON): {"ok": true, "typ": ..., "bits": n, "statuses": [..], "sub": ..., "ttl": ...} or {"ok": false, "error": "..."}
import { getListFromStatusListJWT } from '@sd-jwt/jwt-status-list';
import { importJWK, jwtVerify } from 'jose';
import { readFileSync } from 'node:fs';

const input = JSON.parse(readFileSync(0, 'utf8'));

async function main() {
  const key = await importJWK(input.jwk, 'ES256');
  const { payload, protectedHeader } = await jwtVerify(input.jwt, key, { typ: 'statuslist+jwt', subject: input.uri });
  const list = getListFromStatusListJWT(input.jwt);
  return {
    ok: true,
    typ: protectedHeader.typ,
    bits: payload.status_list.bits,
    sub: payload.sub,
    ttl: payload.ttl ?? null,
    statuses: input.indices.map((i) => list.getStatus(i)),
  };
}

main()
  .then((r) => process.stdout.write(JSON.stringify(r)))
  .catch((e) => process.stdout.write(JSON.stringify({ ok: false, error: String(e?.message ?? e) })));

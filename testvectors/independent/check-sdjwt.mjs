// Independent check of an SD-JWT VC with @sd-jwt/sd-jwt-vc (OpenWallet Foundation).
// Input (stdin, JSON): {"sdjwt": "<compact SD-JWT[+KB]>", "issuer_jwk": {...}, "nonce": "...", "aud": "..."}
// Output (stdout, JSON): {"ok": true, "typ": ..., "claims": {...}, "kb": {...}} or {"ok": false, "error": "..."}
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { ES256, digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import { readFileSync } from 'node:fs';

const input = JSON.parse(readFileSync(0, 'utf8'));

async function main() {
  const verifier = await ES256.getVerifier(input.issuer_jwk);
  const kbVerifier = async (data, sig, payload) => {
    const v = await ES256.getVerifier(payload.cnf.jwk);
    return v(data, sig);
  };
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    saltGenerator: generateSalt,
    verifier,
    kbVerifier,
  });
  const opts = { currentDate: Math.floor(Date.now() / 1000) };
  if (input.nonce) opts.keyBindingNonce = input.nonce;
  const res = await sdjwt.verify(input.sdjwt, opts);
  if (input.nonce) {
    if (!res.kb) throw new Error('no key binding JWT verified');
    if (res.kb.payload.aud !== input.aud) throw new Error(`KB-JWT aud ${res.kb.payload.aud} != ${input.aud}`);
  }
  return { ok: true, typ: res.header?.typ, claims: res.payload, kb: res.kb?.payload ?? null };
}

main()
  .then((r) => process.stdout.write(JSON.stringify(r)))
  .catch((e) => process.stdout.write(JSON.stringify({ ok: false, error: String(e?.message ?? e) })));

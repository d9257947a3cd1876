// Independent check of an ISO 18013-5 IssuerSigned with @auth0/mdl.
// Input (stdin, JSON): {"wrapped_hex": "<DeviceResponse holding our IssuerSigned, no deviceSigned>",
//                       "session_transcript_hex": "...", "doc_type": "...", "fields": ["name", ...], "iaca_pem": "...", "device_private_jwk": {...}}
// The IssuerSigned is checked twice:
//  1. wrapped, as it is, in a DeviceResponse without deviceSigned: every issuer-side
//     check (certificate chain, issuer signature, validity, every digest) must pass;
//  2. presented by @auth0/mdl's own DeviceResponse builder, signed with the holder's
//     device key from our MSO, then verified in full (device signature included).
// Output (stdout, JSON): {"ok": true, "claims": {...}, "checks": [...]} or {"ok": false, "error": "...", "failed": [...]}
import { Verifier, DeviceResponse, parse } from '@auth0/mdl';
import { readFileSync } from 'node:fs';

const input = JSON.parse(readFileSync(0, 'utf8'));

function collect() {
  const checks = [];
  return { checks, onCheck: (c) => checks.push(c) };
}

async function main() {
  // The caller wraps our IssuerSigned bytes, untouched, in a DeviceResponse
  // {version, documents: [{docType, issuerSigned}], status}.
  const wrapped = Buffer.from(input.wrapped_hex, 'hex');

  const verifier = new Verifier([input.iaca_pem]);
  const first = collect();
  await verifier.verify(wrapped, { onCheck: first.onCheck });
  const failed1 = first.checks.filter((c) => c.status === 'FAILED' && c.category !== 'DEVICE_AUTH');
  if (failed1.length) return { ok: false, error: 'issuer-side checks failed', failed: failed1 };

  const mdoc = parse(wrapped);
  const presentationDefinition = {
    id: 'all',
    input_descriptors: [{
      id: input.doc_type,
      format: { mso_mdoc: { alg: ['ES256'] } },
      constraints: {
        limit_disclosure: 'required',
        fields: input.fields.map((f) => ({ path: [`$['${input.doc_type}']['${f}']`], intent_to_retain: false })),
      },
    }],
  };
  // SessionTranscriptBytes = #6.24(bstr .cbor [DeviceEngagementBytes, EReaderKeyBytes, Handover]),
  // made by the caller; both sides only need the same bytes.
  const sessionTranscriptBytes = Buffer.from(input.session_transcript_hex, 'hex');
  const dr = await DeviceResponse.from(mdoc)
    .usingPresentationDefinition(presentationDefinition)
    .usingSessionTranscriptBytes(sessionTranscriptBytes)
    .authenticateWithSignature(input.device_private_jwk, 'ES256')
    .sign();
  const second = collect();
  const verified = await verifier.verify(dr.encode(), {
    encodedSessionTranscript: sessionTranscriptBytes,
    onCheck: second.onCheck,
  });
  const failed2 = second.checks.filter((c) => c.status === 'FAILED');
  if (failed2.length) return { ok: false, error: 'device response checks failed', failed: failed2 };

  const claims = {};
  const ns = verified.documents[0].issuerSigned.nameSpaces;
  for (const [name, items] of Object.entries(ns)) {
    claims[name] = {};
    for (const it of items) claims[name][it.elementIdentifier] = it.elementValue;
  }
  return { ok: true, claims, checks: first.checks.length + second.checks.length };
}

main()
  .then((r) => process.stdout.write(JSON.stringify(r, (k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : typeof v === 'bigint' ? Number(v) : v))))
  .catch((e) => process.stdout.write(JSON.stringify({ ok: false, error: String(e?.stack ?? e) })));

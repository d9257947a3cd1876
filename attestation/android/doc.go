// Package android verifies Android key attestation certificate chains: the
// chain a wallet's KeyStore returns for a key it generated with an
// attestation challenge, leaf first.
//
// The checks follow Google's guidance ("Verify hardware-backed key pairs with
// key attestation", developer.android.com) and the structure of Google's own
// verifier (github.com/android/keyattestation), not crypto/x509's PKIX path
// validation, which rejects real factory chains (a batch certificate marked
// CA:FALSE with key usage digitalSignature still signs the leaf):
//
//   - 2 to 6 certificates; each one's issuer name equals its parent's subject
//     and its signature verifies under its parent's public key, checked
//     directly;
//   - the last certificate carries one of the pinned root public keys
//     (Google's RSA-4096 root key, whichever certificate of it the device
//     sent, and Google's EC P-384 "Key Attestation CA1"); a chain ending at
//     the AOSP software attestation root is a software key and is refused
//     for its security level, whatever it claims, since that root's private
//     key is public;
//   - every certificate but the leaf (whose dates the device sets) and the
//     pinned root is within its validity at the verification time; a
//     factory-provisioned chain whose intermediates have expired is
//     accepted, as Google's verifier does, unless the Policy says otherwise;
//   - the key attestation extension (OID 1.3.6.1.4.1.11129.2.1.17) is in the
//     leaf and in no other certificate, which defeats a chain extended under
//     a genuine attested key with a forged leaf;
//   - no certificate's serial number is REVOKED or SUSPENDED in the
//     attestation status list (https://android.googleapis.com/attestation/status);
//     an unavailable list fails the chain;
//   - the KeyDescription is parsed element by element for every attestation
//     version (1 to 500): unknown tags are kept, never dropped, and never hide
//     known ones; software- and hardware-enforced lists stay apart, and key
//     properties are read from the hardware-enforced list only;
//   - the attestation challenge equals the expected one, and the Policy holds:
//     security level, verified boot and lock state, patch levels, the app's
//     package and signing certificates, and the key's purpose, algorithm and
//     origin.
//
// Verify returns a Result describing what was found and, when the chain
// fails, the one Reason it failed for.
package android

// Package tpm checks TPM 2.0 evidence for the keys of desktop wallets, for
// the wallet provider (wallet/provider), which turns it into a standard
// key-attestation+jwt. The issuer never sees TPM structures: OpenID4VCI 1.0
// defines no TPM proof type, and an EK certificate is a stable hardware
// identifier that must not travel to issuers (OpenID4VCI 1.0 §15.4, HAIP
// 1.0 "MUST NOT introduce a unique identifier").
//
// Two steps, both built on github.com/google/go-attestation:
//
//  1. Enrollment, once per wallet installation (TCG credential
//     activation). The wallet sends its endorsement key (EK) certificate and
//     the parameters of a fresh attestation key (AK). StartEnrollment checks
//     the EK certificate against the configured TPM-vendor roots, checks the
//     AK is a restricted, TPM-generated, non-duplicable signing key
//     (attest.ActivationParameters.CheckAKParameters) and makes a challenge
//     only the TPM holding that EK and that AK can open. Activation.Complete
//     compares the wallet's answer in constant time and yields the enrolled
//     AK, which the provider keeps.
//  2. Key certification, per key. The wallet creates a signing key and has
//     the enrolled AK certify it (TPM2_Certify) with the provider's nonce as
//     qualifying data. VerifyKey checks the certification with
//     attest.CertificationParameters.Verify (the key is fixedTPM,
//     fixedParent, sensitiveDataOrigin and not restricted, the TPM magic,
//     the name match, the AK's signature) and then does what that function
//     does not: compares the qualifying data (TPMS_ATTEST.extraData) with the
//     nonce, checks the signature's scheme matches the AK before the library
//     dereferences it, and requires an ECDSA P-256 signing key that cannot
//     decrypt.
//
// Every structure arrives from outside: sizes are bounded, and every
// failure is a *Failure with one Reason.
package tpm

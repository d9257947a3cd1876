// Package uidai reads the field formats UIDAI's KYC data shares between
// the DigiLocker e-Aadhaar (KycRes) and the offline e-KYC
// (OfflinePaperlessKyc): the Poi birth date (DD-MM-YYYY, or a bare year)
// and the Pht photo (base64 JPEG). Errors never quote the values.
package uidai

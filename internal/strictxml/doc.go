// Package strictxml parses signed XML evidence (UIDAI's offline e-KYC, the
// DigiLocker e-Aadhaar) the strict way both need before any signature
// processing: no DTD, entity or other <!…> declaration, UTF-8 only,
// bounded depth, element and attribute counts, duplicate attributes
// refused, optionally no comments or CDATA; and it checks the shape of an
// enveloped XML-DSig Signature element (exactly one in the document, a
// child of the root, in the XML-DSig namespace, children in order).
//
// Errors are *Error: a Kind (ErrDeclaration, ErrMalformed or
// ErrSignatureShape) that callers map to their own sentinels, and a detail
// that never quotes the document's text content.
package strictxml

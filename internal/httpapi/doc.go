// Package httpapi is Pramaan's HTTP layer on Fiber v2. It only binds and
// maps errors: each handler copies every value it needs out of the
// fiber.Ctx (whose buffers fasthttp reuses once the handler returns) into
// an issuer.Request — method, public URL joined with the path (no query),
// a copy of the headers and of the raw body, the {id} path parameter —
// calls the Service, and writes the issuer.Response. No fiber.Ctx leaves
// a handler; the protocol lives in package issuer.
//
// Routes: the well-known metadata and JWKS (GET), GET /credential-offer/:id,
// POST /token, /nonce, /credential, /deferred_credential, /notification;
// the admin API (POST /admin/offers, POST /admin/deferred/:id/approve, and
// GET /admin/deferred when the Service is also a DeferredLister) behind
// the admin bearer token; GET /healthz, /readyz and /metrics.
//
// One error handler turns a protocol error into its status, headers and
// {"error", "error_description"} body (issuer.ErrorResponse), Fiber's own
// errors (unknown route 404, wrong method 405, body too large 413, headers
// too large 431) into JSON, and anything else into 500 server_error with
// no detail for the client and the error in the log. A panicking handler
// is recovered: 500, a log line with the stack, and the app serves on.
// Token, nonce, credential, deferred, notification and admin responses,
// errors included, carry Cache-Control: no-store.
//
// Limits: request bodies are bounded by Config.MaxBodyBytes (256 KiB by
// default) and the request head by MaxHeaderBytes; compressed request
// bodies are refused, so that the limit is the real size; read, write and
// idle timeouts are set.
//
// Observability: each request gets an X-Request-Id (an incoming one is kept
// when it is 1 to 64 characters of [A-Za-z0-9._-], else 16 random bytes in
// hex), echoed in the response, and one structured log line with method,
// route pattern, status and duration: never headers, bodies, query
// strings, tokens or claims. /metrics exposes, in the Prometheus text
// format 0.0.4, pramaan_http_requests_total{route,method,status},
// pramaan_http_request_duration_seconds{route} (a histogram),
// pramaan_credentials_issued_total{format} and pramaan_errors_total{code};
// route labels are route patterns, never raw paths. Each app has its own
// registry.
package httpapi

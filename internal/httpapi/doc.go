// Package httpapi is Pramaan's HTTP layer on Fiber v2. It only binds and
// maps errors: every handler copies what it needs out of the fiber.Ctx
// (whose buffers are reused once the handler returns) into an
// issuer.Request, calls the issuer, and writes the issuer.Response; the
// protocol lives in package issuer.
//
// One error handler turns a protocol error into its status, headers and
// {"error", "error_description"} body (issuer.ErrorResponse), Fiber's own
// errors (body too large, unknown route) into JSON, and anything else into
// 500 server_error without detail. A panicking handler is recovered and
// logged. Request bodies are bounded by Config.MaxBodyBytes.
//
// Operations: GET /healthz, GET /readyz (the database answers within 2 s),
// GET /metrics (Prometheus text format: requests by route pattern, method
// and status; latency histograms; credentials issued by format; errors by
// code). Each request gets an X-Request-Id (an incoming one is kept when it
// is at most 64 characters of [A-Za-z0-9._-]) and one structured log line
// with method, route pattern, status and duration: never headers, bodies,
// query strings, tokens or claims.
package httpapi

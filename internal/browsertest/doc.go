// Package browsertest drives Debian's headless Chromium from tests, through
// chromedriver and a small W3C WebDriver client of our own (HTTP and JSON,
// no dependency): navigate, find elements by CSS selector (waiting for them
// to appear), click, type, read text, attributes, titles, URLs, cookies and
// page source, and take page or element screenshots.
//
// QRShown checks from a screenshot that a QR code shown on a page encodes
// exactly the expected content, the way a wallet scanning the screen would
// see it, at any module size of 2 pixels or more.
//
// Start finds chromedriver and Chromium at /usr/bin (PRAMAAN_CHROMEDRIVER
// and PRAMAAN_CHROMIUM override the paths). When either is missing the test
// is skipped, unless PRAMAAN_REQUIRE_BROWSER=1 (CI sets it), which makes it
// a failure. Every method fails the test through its testing.TB on error,
// so journeys read as a list of steps.
package browsertest

// Package webdriver drives Debian's headless Chromium through chromedriver
// over the W3C WebDriver protocol, for tests of the pages a citizen sees:
// navigate, find by CSS selector, click, read text and attributes, take
// element screenshots. QRShown checks from a screenshot that a QR code on
// the page encodes exactly the expected content.
//
// Start skips the test when chromedriver or Chromium is missing, unless
// PRAMAAN_REQUIRE_BROWSER=1 (CI sets it), which makes that a failure.
package webdriver

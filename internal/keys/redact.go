package keys

import (
	"fmt"
	"io"
	"log/slog"
)

// Redacted is what every secret-holding type prints in place of its secret.
const Redacted = "REDACTED"

// redactedText is the printed form of a secret-holding value: its type
// name and public attributes (kid, source), never key bytes.
func redactedText(typeName string, attrs ...slog.Attr) string {
	s := "keys." + typeName + "{"
	for _, a := range attrs {
		s += a.Key + ":" + a.Value.String() + " "
	}
	return s + "secret:" + Redacted + "}"
}

// writeRedacted implements fmt.Formatter for every verb, so that %v, %+v,
// %#v, %s, %x, %d … all print the redacted form.
func writeRedacted(f fmt.State, text string) {
	_, _ = io.WriteString(f, text)
}

func redactedLogValue(attrs ...slog.Attr) slog.Value {
	return slog.GroupValue(append(attrs, slog.String("secret", Redacted))...)
}

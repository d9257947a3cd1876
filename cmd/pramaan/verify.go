package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

func runVerify(args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "usage: pramaan verify sdjwt|mdoc FILE [flags]")
		return 2
	}
	switch args[0] {
	case "sdjwt":
		return runVerifySDJWT(args[1:], e)
	case "mdoc":
		return runVerifyMDoc(args[1:], e)
	}
	fmt.Fprintf(e.stderr, "pramaan verify: unknown format %q (want sdjwt or mdoc)\n", args[0])
	return 2
}

// parseTime reads an --at flag: RFC 3339, or empty for the clock.
func parseTime(s string, e env) (func() time.Time, error) {
	if s == "" {
		return e.now, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, fmt.Errorf("--at: %w", err)
	}
	return func() time.Time { return t }, nil
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// fail prints "pramaan verify FORMAT: reason" and returns exit code 1.
func fail(e env, what string, err error) int {
	fmt.Fprintf(e.stderr, "pramaan verify %s: %v\n", what, err)
	return 1
}

// positional splits "FILE --flag ..." so that the file may come before or
// after the flags.
func positional(fs *flag.FlagSet, args []string) (string, error) {
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return "", err
		}
	}
	if file == "" || fs.NArg() > 0 {
		return "", errors.New("exactly one FILE is required")
	}
	return file, nil
}

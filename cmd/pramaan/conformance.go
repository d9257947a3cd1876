package main

import (
	"flag"
	"fmt"

	"github.com/pramaan/pramaan/testvectors"
)

func runConformance(args []string, e env) int {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dir := fs.String("vectors", "", "vectors folder (default: $PRAMAAN_VECTORS, else ../shared/testvectors)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	root := *dir
	if root == "" {
		var err error
		if root, err = testvectors.Locate(); err != nil {
			fmt.Fprintf(e.stderr, "pramaan conformance: %v\n", err)
			return 1
		}
	}
	rep := testvectors.Run(root)
	if err := rep.Write(e.stdout); err != nil {
		fmt.Fprintf(e.stderr, "pramaan conformance: %v\n", err)
		return 1
	}
	if rep.Failed() > 0 {
		return 1
	}
	return 0
}

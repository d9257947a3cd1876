package testvectors

// Placeholders: the mdoc helper replaces this file with the real suites.

func runAnnexD(root string) []Case   { return nil }
func runAuth0MDL(root string) []Case { return nil }

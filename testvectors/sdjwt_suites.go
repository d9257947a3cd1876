package testvectors

// Placeholders: the sd-jwt helper replaces this file with the real suites.

func runRFC9901(root string) []Case      { return nil }
func runSDJWTPython(root string) []Case  { return nil }
func runSDJWTVC(root string) []Case      { return nil }
func runOID4VCISDJWT(root string) []Case { return nil }

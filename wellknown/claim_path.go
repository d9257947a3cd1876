package wellknown

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// ClaimPath is a claims path pointer (OpenID4VCI 1.0 Appendix C): a non-empty
// array whose elements are a string (an object key), nil (every element of an
// array) or a non-negative int (an array index, or for mdoc a map key).
type ClaimPath []any

// MaxClaimPathLength bounds the number of components of a parsed path.
const MaxClaimPathLength = 32

// UnmarshalJSON decodes a path, rejecting any other element type, negative or
// fractional numbers, and paths longer than MaxClaimPathLength.
func (p *ClaimPath) UnmarshalJSON(data []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return malformed("claims path pointer is not an array: %v", err)
	}
	if len(raw) > MaxClaimPathLength {
		return malformed("claims path pointer has %d components, limit %d", len(raw), MaxClaimPathLength)
	}
	out := make(ClaimPath, 0, len(raw))
	for i, r := range raw {
		r = bytes.TrimSpace(r)
		switch {
		case bytes.Equal(r, []byte("null")):
			out = append(out, nil)
		case len(r) > 0 && r[0] == '"':
			var s string
			if err := json.Unmarshal(r, &s); err != nil {
				return malformed("claims path pointer component %d: %v", i, err)
			}
			out = append(out, s)
		default:
			n, err := strconv.Atoi(string(r))
			if err != nil || n < 0 {
				return malformed("claims path pointer component %d is %.40q, want a string, null or a non-negative integer", i, r)
			}
			out = append(out, n)
		}
	}
	*p = out
	return nil
}

// String renders the path as JSON, for error messages.
func (p ClaimPath) String() string {
	b, err := json.Marshal([]any(p))
	if err != nil {
		return fmt.Sprintf("%v", []any(p))
	}
	return string(b)
}

// checkComponents checks the element types and, for mso_mdoc, the two
// leading strings (namespace, data element identifier; Appendix C.2).
func (p ClaimPath) checkComponents(format string) error {
	if len(p) == 0 {
		return fmt.Errorf("claims path pointer is empty (Appendix C requires a non-empty array)")
	}
	if len(p) > MaxClaimPathLength {
		return fmt.Errorf("claims path pointer has %d components, limit %d", len(p), MaxClaimPathLength)
	}
	for i, c := range p {
		switch v := c.(type) {
		case nil:
		case string:
			if v == "" {
				return fmt.Errorf("component %d is an empty string", i)
			}
		case int:
			if v < 0 {
				return fmt.Errorf("component %d is negative", i)
			}
		default:
			return fmt.Errorf("component %d has type %T, want string, nil or int", i, c)
		}
	}
	if format == FormatMDoc {
		if len(p) < 2 {
			return fmt.Errorf("an mso_mdoc path needs a namespace and a data element identifier (Appendix C.2)")
		}
		for i := range 2 {
			if _, ok := p[i].(string); !ok {
				return fmt.Errorf("mso_mdoc path component %d must be a string (Appendix C.2)", i)
			}
		}
	}
	return nil
}

type pathKey struct {
	kind byte // 's' string, 'i' index, 'n' null
	s    string
	i    int
}

type pathNode struct {
	children                  map[pathKey]*pathNode
	hasKey, hasIndex, hasNull bool
	terminal                  bool
}

// checkClaimsConsistency applies Appendix B.3: no claim is described twice,
// null and an index never address the same array, and no claim is both an
// array and an object. For mso_mdoc, integers after the data element
// identifier may be map keys (Appendix C.2), so only the null rules apply
// there.
func checkClaimsConsistency(format string, claims []ClaimDescription) error {
	root := &pathNode{}
	for ci, cd := range claims {
		n := root
		for depth, c := range cd.Path {
			var k pathKey
			switch v := c.(type) {
			case string:
				k = pathKey{kind: 's', s: v}
				if n.hasNull || (n.hasIndex && format != FormatMDoc) {
					return fmt.Errorf("claims[%d] path %s addresses an array as an object (Appendix B.3)", ci, cd.Path)
				}
				n.hasKey = true
			case int:
				k = pathKey{kind: 'i', i: v}
				if n.hasNull {
					return fmt.Errorf("claims[%d] path %s uses an index where another path uses null (Appendix B.3)", ci, cd.Path)
				}
				if n.hasKey && format != FormatMDoc {
					return fmt.Errorf("claims[%d] path %s addresses an object as an array (Appendix B.3)", ci, cd.Path)
				}
				n.hasIndex = true
			case nil:
				k = pathKey{kind: 'n'}
				if n.hasIndex {
					return fmt.Errorf("claims[%d] path %s uses null where another path uses an index (Appendix B.3)", ci, cd.Path)
				}
				if n.hasKey {
					return fmt.Errorf("claims[%d] path %s addresses an object as an array (Appendix B.3)", ci, cd.Path)
				}
				n.hasNull = true
			}
			if n.children == nil {
				n.children = map[pathKey]*pathNode{}
			}
			child, ok := n.children[k]
			if !ok {
				child = &pathNode{}
				n.children[k] = child
			}
			n = child
			if depth == len(cd.Path)-1 {
				if n.terminal {
					return fmt.Errorf("claims[%d] path %s is described twice (Appendix B.3)", ci, cd.Path)
				}
				n.terminal = true
			}
		}
	}
	return nil
}

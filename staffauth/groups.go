package staffauth

import (
	"strings"

	"onelogin-helpdesk/access"
)

// Group names compare as package access says (access.Names); here they
// are only read from a header or a claim.

// splitGroups splits a groups header or string claim on sep, trimming ASCII
// spaces and dropping blanks.
func splitGroups(s, sep string) []string {
	if sep == "" {
		sep = ","
	}
	var out []string
	for _, part := range strings.Split(s, sep) {
		if p := access.TrimName(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// claimGroups reads a groups claim given as a list, or as one string of
// names joined by sep.
func claimGroups(v any, sep string) []string {
	switch g := v.(type) {
	case string:
		return splitGroups(g, sep)
	case []any:
		out := make([]string, 0, len(g))
		for _, x := range g {
			if s, ok := x.(string); ok && access.TrimName(s) != "" {
				out = append(out, access.TrimName(s))
			}
		}
		return out
	}
	return nil
}

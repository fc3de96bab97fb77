package staffauth

import (
	"strings"

	"onelogin-helpdesk/access"
)

// Group names decide roles, so they compare as the identity provider spelt
// them: byte for byte after trimming ASCII spaces and tabs, or, when
// Config.GroupsCaseInsensitive is set, ignoring the case of A-Z only.
// Unicode case folding is never used: with it "hd-admin" followed by U+017F
// (ſ) is "hd-admins", and the Kelvin sign (U+212A) is "k", so anyone who can
// name a group in the IdP could name themselves into a staff group.

// RoleFor maps a person's groups to their role: the highest role any of
// their groups grants, and employee when none does.
func (c Config) RoleFor(groups []string) access.Role {
	has := func(want []string) bool {
		for _, g := range groups {
			for _, w := range want {
				if c.sameGroup(g, w) {
					return true
				}
			}
		}
		return false
	}
	switch {
	case has(c.AdminGroups):
		return access.RoleAdmin
	case has(c.HelpdeskGroups):
		return access.RoleHelpdesk
	case has(c.ViewerGroups):
		return access.RoleViewer
	}
	return access.RoleEmployee
}

// sameGroup reports whether a group the person is in is a configured one.
func (c Config) sameGroup(got, want string) bool {
	got, want = trimASCIISpace(got), trimASCIISpace(want)
	if got == "" {
		return false
	}
	if c.GroupsCaseInsensitive {
		return asciiLower(got) == asciiLower(want)
	}
	return got == want
}

// splitGroups splits a groups header or string claim on sep, trimming ASCII
// spaces and dropping blanks.
func splitGroups(s, sep string) []string {
	if sep == "" {
		sep = DefaultGroupsSeparator
	}
	var out []string
	for _, part := range strings.Split(s, sep) {
		if p := trimASCIISpace(part); p != "" {
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
			if s, ok := x.(string); ok && trimASCIISpace(s) != "" {
				out = append(out, trimASCIISpace(s))
			}
		}
		return out
	}
	return nil
}

// trimASCIISpace trims spaces and tabs; unlike strings.TrimSpace it keeps
// Unicode spaces such as U+00A0, which are part of a name.
func trimASCIISpace(s string) string { return strings.Trim(s, " \t") }

// asciiLower lower-cases A-Z and leaves every other byte alone, so no
// non-ASCII letter ever turns into an ASCII one.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

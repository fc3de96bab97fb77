package access

import "strings"

// Group and role names decide roles and protection, so they compare as the
// identity provider spelt them: byte for byte after trimming ASCII spaces
// and tabs, or, when the console is told to ignore case, ignoring the case
// of A-Z only. Unicode case folding is never used: with it "hd-admin"
// followed by U+017F (ſ) is "hd-admins", and the Kelvin sign (U+212A) is
// "k", so anyone who can name a group in the IdP could name themselves
// into a staff group. Staff groups and protected roles compare the same
// way (HELPDESK_GROUPS_CASE_INSENSITIVE).

// Names is a set of configured group or role names.
type Names struct {
	names    []string
	foldCase bool
}

// NewNames is the set of names; foldCase ignores the case of A-Z.
func NewNames(names []string, foldCase bool) Names {
	n := Names{foldCase: foldCase}
	for _, s := range names {
		if s = n.key(s); s != "" {
			n.names = append(n.names, s)
		}
	}
	return n
}

// key is how a name compares.
func (n Names) key(s string) string {
	s = TrimName(s)
	if n.foldCase {
		s = asciiLower(s)
	}
	return s
}

// Has reports whether name is one of the set.
func (n Names) Has(name string) bool {
	k := n.key(name)
	if k == "" {
		return false
	}
	for _, w := range n.names {
		if w == k {
			return true
		}
	}
	return false
}

// HasAny reports whether any of names is in the set.
func (n Names) HasAny(names []string) bool {
	for _, s := range names {
		if n.Has(s) {
			return true
		}
	}
	return false
}

// Empty reports whether the set has no name.
func (n Names) Empty() bool { return len(n.names) == 0 }

// Missing are the names of the set that none of have matches, as
// configured (trimmed, and lower-cased when the set ignores case).
func (n Names) Missing(have []string) []string {
	got := NewNames(have, n.foldCase)
	var out []string
	for _, w := range n.names {
		if !got.Has(w) {
			out = append(out, w)
		}
	}
	return out
}

// TrimName trims spaces and tabs; unlike strings.TrimSpace it keeps
// Unicode spaces such as U+00A0, which are part of a name.
func TrimName(s string) string { return strings.Trim(s, " \t") }

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

// StaffGroups are the groups whose members hold each staff role.
type StaffGroups struct {
	Admin, Helpdesk, Viewer Names
}

// RoleFor maps a person's groups to their role: the highest role any of
// their groups grants, and employee when none does.
func (g StaffGroups) RoleFor(groups []string) Role {
	switch {
	case g.Admin.HasAny(groups):
		return RoleAdmin
	case g.Helpdesk.HasAny(groups):
		return RoleHelpdesk
	case g.Viewer.HasAny(groups):
		return RoleViewer
	}
	return RoleEmployee
}

package selfunlock

import (
	"fmt"
	"strings"
	"unicode"
)

// maxLoginLen is the longest username or email the flow takes (an email's
// limit).
const maxLoginLen = 254

// CheckLogin says what is wrong with a typed username or email, or "".
// OneLogin reads * as a wildcard (and the fake a leading ! as "not"), and
// a comma as a list: none of them can be part of an exact look-up.
func CheckLogin(s string) string {
	switch {
	case s == "":
		return "Type your username or email."
	case len(s) > maxLoginLen:
		return fmt.Sprintf("That is longer than a username or email can be (%d characters).", maxLoginLen)
	case strings.ContainsAny(s, "*,") || strings.HasPrefix(s, "!") ||
		strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return "Type your username or email exactly, without spaces, commas or *."
	}
	return ""
}

// maxCodeLen is the longest code the flow takes: a YubiKey's is 44.
const maxCodeLen = 64

// CleanCode reads a typed code: letters and digits, with spaces and dashes
// people type between groups left out; "" when it cannot be a code.
func CleanCode(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == ' ' || r == '-':
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		default:
			return ""
		}
	}
	if b.Len() < 4 || b.Len() > maxCodeLen {
		return ""
	}
	return b.String()
}

// Times is "once", "twice", "3 times".
func Times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

package notify

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// subjects are the mails' subject lines, one per kind.
var subjects = map[Kind]string{
	KindUnlock:        "Your account was unlocked",
	KindPasswordReset: "Your password was changed",
	KindPasswordLink:  "A link to set your password was made",
	KindFactorRemoved: "A sign-in factor was removed from your account",
	KindTempToken:     "A temporary MFA token was issued for your account",
}

// compose writes the mail for n: the subject and a plain-text body that
// says what was done, by whom, when, under which ticket, and whom to call.
// Only the notice's plain fields reach it, each cleaned of line breaks.
func compose(n Notice, contact string, loc *time.Location) (subject, body string) {
	var what string
	switch n.Kind {
	case KindUnlock:
		what = "Your account was unlocked"
	case KindPasswordReset:
		what = "Your password was changed"
	case KindPasswordLink:
		what = "A link to set a new password for your account was made"
	case KindFactorRemoved:
		if f := clean(n.Factor, 80); f != "" {
			what = "The sign-in factor " + quote(f) + " was removed from your account"
		} else {
			what = "A sign-in factor was removed from your account"
		}
	case KindTempToken:
		what = "A temporary MFA token was issued for your account"
	}
	by := "by the IT helpdesk"
	if n.By == BySelf {
		by = "on the self-service page"
	}
	at := n.At.In(loc)
	var b strings.Builder
	if name := clean(n.Name, 100); name != "" {
		fmt.Fprintf(&b, "Hello %s,\n\n", name)
	} else {
		b.WriteString("Hello,\n\n")
	}
	fmt.Fprintf(&b, "%s %s at %s on %s (%s)", what, by, at.Format("15:04"), at.Format("Monday 2 January 2006"), at.Format("MST"))
	if t := clean(n.Ticket, 100); t != "" {
		fmt.Fprintf(&b, ", ticket %s", t)
	}
	b.WriteString(".")
	if n.Kind == KindTempToken && !n.Until.IsZero() {
		fmt.Fprintf(&b, " It works until %s.", n.Until.In(loc).Format("15:04"))
	}
	b.WriteString("\n\nIf this was not you, or you did not ask for it, ")
	if c := clean(contact, 200); c != "" {
		fmt.Fprintf(&b, "contact the IT helpdesk at once: %s.", c)
	} else {
		b.WriteString("contact the IT helpdesk at once.")
	}
	fmt.Fprintf(&b, "\n\nThis message was sent automatically about the account %s; there is no need to reply.\n", n.Email)
	return subjects[n.Kind], b.String()
}

// clean makes a value from OneLogin or staff fit one line of a mail: no
// control characters or line breaks, at most n bytes.
func clean(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(Truncate(strings.Join(strings.Fields(s), " "), n))
}

func quote(s string) string { return "\u201c" + s + "\u201d" }

package views

import "strconv"

// Policy is what the people's OneLogin policy accepts, as the settings
// declare it (OneLogin's API does not say): forms offer only that, so
// staff do not learn it from a refusal.
type Policy struct {
	// LockMinutes is the policy's "lock effective period"; 0: none.
	LockMinutes int
	// PasswordMinLength is the shortest password it accepts; 0: unchecked.
	PasswordMinLength int
}

// LockPeriods are the lock choices the policy accepts: its own period and
// nothing shorter (OneLogin refuses a shorter lock).
func (p Policy) LockPeriods() []LockPeriod {
	out := make([]LockPeriod, 0, len(LockPeriods))
	for _, lp := range LockPeriods {
		switch {
		case lp.Minutes == 0 && p.LockMinutes > 0:
			lp.Label = "The policy's period (" + minutesWords(p.LockMinutes) + ")"
		case lp.Minutes != 0 && lp.Minutes < p.LockMinutes:
			continue
		}
		out = append(out, lp)
	}
	return out
}

// PasswordTooShort is the message for a typed password the policy would
// refuse for its length, or "" when it is long enough.
func (p Policy) PasswordTooShort(runes int) string {
	if runes >= p.PasswordMinLength {
		return ""
	}
	return "OneLogin's password policy needs at least " + strconv.Itoa(p.PasswordMinLength) + " characters; this one has " + strconv.Itoa(runes) + "."
}

// minutesWords says a period in minutes the way people do: "30 minutes",
// "2 hours", "1 day".
func minutesWords(m int) string {
	switch {
	case m%(24*60) == 0:
		return countWords(m/(24*60), "day", "days")
	case m%60 == 0:
		return countWords(m/60, "hour", "hours")
	}
	return countWords(m, "minute", "minutes")
}


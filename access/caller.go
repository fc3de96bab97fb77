package access

import "time"

// The actions of a person's MFA factors and of checking who is calling the
// helpdesk. They are added to the table here, apart from the rest, so that
// the table's other users can grow it without meeting these lines.
const (
	// ViewFactors lists a person's enrolled MFA factors.
	ViewFactors Action = "view_factors"
	// RemoveFactor removes one enrolled factor (a lost or replaced phone).
	RemoveFactor Action = "remove_factor"
	// CallerChallenge sends a push or a code to one of a person's factors
	// to check that the caller is that person; VerifyCaller records how
	// the check ended (verified, denied, expired, wrong code).
	CallerChallenge Action = "caller_challenge"
	VerifyCaller    Action = "verify_caller"
	// CallerOverride records that an admin confirmed who is calling some
	// other way (in person, a badge), for a person with no usable factor.
	CallerOverride Action = "caller_override"
)

func init() {
	minimum[ViewFactors] = RoleHelpdesk
	minimum[RemoveFactor] = RoleHelpdesk
	minimum[CallerChallenge] = RoleHelpdesk
	minimum[VerifyCaller] = RoleHelpdesk
	minimum[CallerOverride] = RoleAdmin
}

// CallerVerifiedFor is how long a verified caller stays verified: the
// actions that wait for one are allowed to the agent who verified them for
// this long.
const CallerVerifiedFor = 15 * time.Minute

package client

import "testing"

func TestModel_statusAndStateNames(t *testing.T) {
	for s, want := range map[Status]string{
		StatusUnactivated: "Unactivated", StatusActive: "Active", StatusSuspended: "Suspended", StatusLocked: "Locked",
		StatusPasswordExpired: "Password expired", StatusAwaitingReset: "Awaiting password reset",
		StatusPasswordPending: "Password pending", StatusSecurityQuestions: "Security questions required", 6: "Status 6",
	} {
		if got := s.String(); got != want {
			t.Errorf("Status(%d) = %q, want %q", int(s), got, want)
		}
	}
	for s, want := range map[State]string{
		StateUnapproved: "Unapproved", StateApproved: "Approved", StateRejected: "Rejected", StateUnlicensed: "Unlicensed", 9: "State 9",
	} {
		if got := s.String(); got != want {
			t.Errorf("State(%d) = %q, want %q", int(s), got, want)
		}
	}
}

func TestModel_UserName(t *testing.T) {
	for _, tc := range []struct {
		u    User
		want string
	}{
		{User{Firstname: "Ann", Lastname: "Lee", Email: "a@x"}, "Ann Lee"},
		{User{Firstname: "Ann"}, "Ann"},
		{User{Lastname: "Lee"}, "Lee"},
		{User{Email: "a@x", Username: "ann"}, "a@x"},
		{User{Username: "ann"}, "ann"},
	} {
		if got := tc.u.Name(); got != tc.want {
			t.Errorf("%+v: Name() = %q, want %q", tc.u, got, tc.want)
		}
	}
}

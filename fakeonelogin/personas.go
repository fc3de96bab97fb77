package fakeonelogin

// Well-known people, created first with fixed ids whatever the seed, so the
// demo, staff sign-in and browser tests can rely on them. All but
// PersonaUnactivated and PersonaPasswordPending have DemoPassword. Their MFA
// factors are fixed too (mfa.go): PersonaAdmin has Protect and Google
// Authenticator, PersonaHelpdesk Protect, PersonaViewer Authenticator,
// PersonaEmployee Protect and SMS, PersonaLocked SMS, PersonaSuspended
// Protect, PersonaPasswordExpired Authenticator, PersonaAwaitingReset Email,
// PersonaNoRoles SMS, Email and a YubiKey; the unactivated and password-pending ones have none.
const (
	// PersonaAdmin is an IT administrator (role GroupAdmins).
	PersonaAdmin   = "priya.raman@example.com"
	PersonaAdminID = int64(30100017)
	// PersonaHelpdesk is a service desk agent (role GroupHelpdesk).
	PersonaHelpdesk   = "tomas.herrera@example.com"
	PersonaHelpdeskID = int64(30100024)
	// PersonaViewer is a security auditor (role GroupViewers).
	PersonaViewer   = "grace.okafor@example.com"
	PersonaViewerID = int64(30100031)
	// PersonaEmployee is an ordinary employee who is locked out after 5
	// failed attempts, with no end time (locked until unlocked), so that
	// self-service unlock can be shown.
	PersonaEmployee   = "jonas.becker@example.com"
	PersonaEmployeeID = int64(30100045)
	// PersonaLocked is locked after 6 failed attempts; the lock runs out 20
	// minutes after the seed time.
	PersonaLocked   = "marguerite.dubois@example.com"
	PersonaLockedID = int64(30100052)
	// PersonaSuspended has status 2.
	PersonaSuspended   = "viktor.lindqvist@example.com"
	PersonaSuspendedID = int64(30100066)
	// PersonaPasswordExpired has status 4.
	PersonaPasswordExpired   = "chloe.martin@example.com"
	PersonaPasswordExpiredID = int64(30100073)
	// PersonaUnactivated has status 0 and has never signed in.
	PersonaUnactivated   = "aarav.shah@example.com"
	PersonaUnactivatedID = int64(30100087)
	// PersonaAwaitingReset has status 5.
	PersonaAwaitingReset   = "zoe.whitfield@example.com"
	PersonaAwaitingResetID = int64(30100094)
	// PersonaPasswordPending has status 7 and no password.
	PersonaPasswordPending   = "lukasz.nowak@example.com"
	PersonaPasswordPendingID = int64(30100108)
	// PersonaNoRoles is an active contractor with no roles (role_id null,
	// apps [[]]).
	PersonaNoRoles   = "soren.aalto@example.com"
	PersonaNoRolesID = int64(30100115)

	// Locked out by failed sign-ins (status 3, no end to the lock), each
	// with one kind of MFA factor, so that checking who is calling before an
	// unlock can be shown for every factor.

	// PersonaLockedPush has OneLogin Protect on "Pixel 7a": a push (answer
	// it with Tenant.ApprovePush or on /_fake/push) or a code from the app.
	PersonaLockedPush   = "ines.carvalho@example.com"
	PersonaLockedPushID = int64(30100122)
	// PersonaLockedTOTP has Google Authenticator: Tenant.TOTP gives the code.
	PersonaLockedTOTP   = "rafael.okonkwo@example.com"
	PersonaLockedTOTPID = int64(30100139)
	// PersonaLockedSMS has OneLogin SMS to +44 7700 909910: a trigger texts
	// a code to the fake phone (Tenant.LastCode, /_fake/inbox).
	PersonaLockedSMS   = "fiona.macleod@example.com"
	PersonaLockedSMSID = int64(30100146)
	// PersonaLockedEmail has OneLogin Email: a trigger mails a code to their
	// address (Tenant.LastCode, /_fake/inbox).
	PersonaLockedEmail   = "dario.bellini@example.com"
	PersonaLockedEmailID = int64(30100153)
	// PersonaLockedNoFactor has no factor the API can verify: otp_devices
	// is empty.
	PersonaLockedNoFactor   = "hedda.lund@example.com"
	PersonaLockedNoFactorID = int64(30100160)

	// PersonaAccents is José Müller, whose name agents type without its
	// accents ("muller jose"): the directory index's search finds him.
	// Both names are in the random lists, so his email is not fixed.
	PersonaAccentsID = int64(30100177)
)

// Role names that the application maps to its access levels.
const (
	GroupAdmins   = "IT Administrators"
	GroupHelpdesk = "Service Desk"
	GroupViewers  = "Security Auditors"
	GroupEmployee = "Employees"
)

// Fixed role ids (6 digits, not sequential, like real ones).
const (
	RoleIDAdmins    = int64(284511)
	RoleIDHelpdesk  = int64(284517)
	RoleIDViewers   = int64(301922)
	RoleIDEmployees = int64(153078)
)

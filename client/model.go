package client

import (
	"fmt"
	"time"
)

// Status is a OneLogin user status (the v1 `status` field).
type Status int

// The documented user statuses. There is no status 6.
const (
	StatusUnactivated       Status = 0
	StatusActive            Status = 1
	StatusSuspended         Status = 2
	StatusLocked            Status = 3
	StatusPasswordExpired   Status = 4
	StatusAwaitingReset     Status = 5
	StatusPasswordPending   Status = 7
	StatusSecurityQuestions Status = 8
)

// String names the status in words a helpdesk reader understands.
func (s Status) String() string {
	switch s {
	case StatusUnactivated:
		return "Unactivated"
	case StatusActive:
		return "Active"
	case StatusSuspended:
		return "Suspended"
	case StatusLocked:
		return "Locked"
	case StatusPasswordExpired:
		return "Password expired"
	case StatusAwaitingReset:
		return "Awaiting password reset"
	case StatusPasswordPending:
		return "Password pending"
	case StatusSecurityQuestions:
		return "Security questions required"
	}
	return fmt.Sprintf("Status %d", int(s))
}

// State is a OneLogin user state (the v1 `state` field): approval and licensing.
type State int

// The documented user states.
const (
	StateUnapproved State = 0
	StateApproved   State = 1
	StateRejected   State = 2
	StateUnlicensed State = 3
)

// String names the state in words.
func (s State) String() string {
	switch s {
	case StateUnapproved:
		return "Unapproved"
	case StateApproved:
		return "Approved"
	case StateRejected:
		return "Rejected"
	case StateUnlicensed:
		return "Unlicensed"
	}
	return fmt.Sprintf("State %d", int(s))
}

// User is a OneLogin user as the v1 API returns it. JSON nulls decode to zero
// values: an empty string, 0, a nil slice or the zero time.Time. Numeric-or-string
// fields (external_id, manager_ad_id) are normalised to strings.
type User struct {
	ID                   int64
	Email                string
	Username             string
	Firstname            string
	Lastname             string
	Company              string
	Department           string
	Title                string
	Comment              string
	Phone                string
	GroupID              int64
	RoleIDs              []int64 // wire name `role_id`; null means no roles
	Status               Status
	State                State
	InvalidLoginAttempts int
	LockedUntil          time.Time
	ActivatedAt          time.Time
	CreatedAt            time.Time
	UpdatedAt            time.Time
	InvitationSentAt     time.Time
	LastLogin            time.Time
	PasswordChangedAt    time.Time
	OpenIDName           string
	LocaleCode           string
	PreferredLocaleCode  string
	DirectoryID          int64
	DistinguishedName    string
	MemberOf             string
	Samaccountname       string
	Userprincipalname    string
	ExternalID           string
	ManagerADID          string
	ManagerUserID        int64
	TrustedIDPID         int64
	// CustomAttributes holds every defined attribute by shortname; unset ones are "".
	CustomAttributes map[string]string
}

// Name is the person's display name, falling back to email or username.
func (u User) Name() string {
	switch {
	case u.Firstname != "" && u.Lastname != "":
		return u.Firstname + " " + u.Lastname
	case u.Firstname != "" || u.Lastname != "":
		return u.Firstname + u.Lastname
	case u.Email != "":
		return u.Email
	}
	return u.Username
}

// App is an app assigned to a user (GET /api/1/users/:id/apps).
type App struct {
	ID          int64
	Name        string
	Icon        string // absolute URL or a path relative to the tenant
	Provisioned string // "unknown", "pending", ... or "" for null
	Extension   bool
	LoginID     string // number or string on the wire; "" for null
	Personal    bool
}

// Role is a OneLogin role (GET /api/1/roles).
type Role struct {
	ID   int64
	Name string
}

// MFAToken is a temporary MFA token. Token is a secret: never log or store it.
type MFAToken struct {
	Token     string
	Reusable  bool
	ExpiresAt time.Time
}

// String hides the token so that %v never leaks it.
func (t MFAToken) String() string {
	return fmt.Sprintf("MFAToken{reusable:%t expires:%s}", t.Reusable, t.ExpiresAt.Format(time.RFC3339))
}

// GoString hides the token from %#v too.
func (t MFAToken) GoString() string { return t.String() }

// RateLimit is OneLogin's hourly call quota as last reported.
type RateLimit struct {
	Limit     int
	Remaining int
	Reset     time.Duration // time until the window resets
	// Observed is when these values were read; zero if never.
	Observed time.Time
}

// ListUsersQuery filters and pages GET /api/1/users. Empty fields are not sent.
// Values may use OneLogin's `*` wildcard at the start or end.
type ListUsersQuery struct {
	Email             string
	Username          string
	Firstname         string
	Lastname          string
	ID                string
	ExternalID        string
	DirectoryID       string
	ManagerADID       string
	RoleID            string
	Samaccountname    string
	Userprincipalname string
	Since             time.Time // created strictly after
	Until             time.Time // created strictly before
	// CustomAttributes filters on custom_attributes.<shortname>=value.
	CustomAttributes map[string]string
	Limit            int      // page size; 0 = OneLogin's default (50)
	Sort             string   // "+field" or "-field"
	Fields           []string // attributes to return; id is always included
	AfterCursor      string
	BeforeCursor     string
}

// ListRolesQuery filters and pages GET /api/1/roles.
type ListRolesQuery struct {
	ID           string
	Name         string
	Limit        int
	Sort         string
	AfterCursor  string
	BeforeCursor string
}

// Page is the paging information of a list call.
type Page struct {
	BeforeCursor string // "" when there is no previous page
	AfterCursor  string // "" when there is no next page
}

// UserCreate is the body of POST /api/1/users. Firstname, Lastname and one of
// Email or Username are required by OneLogin.
type UserCreate struct {
	Firstname         string            `json:"firstname"`
	Lastname          string            `json:"lastname"`
	Email             string            `json:"email,omitempty"`
	Username          string            `json:"username,omitempty"`
	Company           string            `json:"company,omitempty"`
	Department        string            `json:"department,omitempty"`
	Title             string            `json:"title,omitempty"`
	Phone             string            `json:"phone,omitempty"`
	DirectoryID       int64             `json:"directory_id,omitempty"`
	DistinguishedName string            `json:"distinguished_name,omitempty"`
	ExternalID        string            `json:"external_id,omitempty"`
	GroupID           int64             `json:"group_id,omitempty"`
	LocaleCode        string            `json:"locale_code,omitempty"`
	MemberOf          string            `json:"member_of,omitempty"`
	OpenIDName        string            `json:"openid_name,omitempty"`
	Samaccountname    string            `json:"samaccountname,omitempty"`
	Userprincipalname string            `json:"userprincipalname,omitempty"`
	CustomAttributes  map[string]string `json:"custom_attributes,omitempty"`
}

// UserUpdate is the body of PUT /api/1/users/:id. Only non-nil fields are sent.
type UserUpdate struct {
	Firstname         *string `json:"firstname,omitempty"`
	Lastname          *string `json:"lastname,omitempty"`
	Email             *string `json:"email,omitempty"`
	Username          *string `json:"username,omitempty"`
	Company           *string `json:"company,omitempty"`
	Department        *string `json:"department,omitempty"`
	Title             *string `json:"title,omitempty"`
	Phone             *string `json:"phone,omitempty"`
	Comment           *string `json:"comment,omitempty"`
	DirectoryID       *int64  `json:"directory_id,omitempty"`
	DistinguishedName *string `json:"distinguished_name,omitempty"`
	ExternalID        *string `json:"external_id,omitempty"`
	GroupID           *int64  `json:"group_id,omitempty"`
	LocaleCode        *string `json:"locale_code,omitempty"`
	ManagerADID       *string `json:"manager_ad_id,omitempty"`
	ManagerUserID     *int64  `json:"manager_user_id,omitempty"`
	MemberOf          *string `json:"member_of,omitempty"`
	OpenIDName        *string `json:"openid_name,omitempty"`
	Samaccountname    *string `json:"samaccountname,omitempty"`
	Userprincipalname *string `json:"userprincipalname,omitempty"`
	State             *State  `json:"state,omitempty"`
}

// HashedPassword is a password hashed by the caller, for
// PUT /api/1/users/set_password_using_salt/:id. Hash is lowercase hex
// SHA-256 of Salt+cleartext (see HashPassword); Salt may be empty.
type HashedPassword struct {
	Hash string
	Salt string
}

// String hides the hash and salt.
func (HashedPassword) String() string { return "HashedPassword{redacted}" }

// GoString hides them from %#v too.
func (HashedPassword) GoString() string { return "HashedPassword{redacted}" }

// Event is a OneLogin event (GET /api/1/events): something that happened
// to a person, and who or what did it. JSON nulls decode to zero values.
type Event struct {
	ID        int64
	CreatedAt time.Time
	TypeID    int // see the Event* constants and EventTypes
	AccountID int64
	// UserID and UserName are the person acted upon; 0 and "" when none.
	// The name is first and last name (the email when both are empty),
	// not the username.
	UserID   int64
	UserName string
	// ActorUserID and ActorUserName are who did it: a person, or a system
	// name such as "API" with no id.
	ActorUserID          int64
	ActorUserName        string
	ActorSystem          string // "" for people; "API", "Mapping", ... for systems
	AssumingActingUserID int64  // an admin acting as the actor, if any
	IPAddr               string
	ProxyIP              string
	ClientID             string // the API credential that acted, if any
	AppID                int64
	AppName              string
	RoleID               int64
	RoleName             string
	GroupID              int64
	GroupName            string
	PolicyID             int64
	PolicyName           string
	OTPDeviceID          int64
	OTPDeviceName        string
	DirectoryID          int64
	DirectorySyncRunID   int64
	ResourceTypeID       int64
	Notes                string
	CustomMessage        string
	ErrorDescription     string
	OperationName        string
	Resolution           string
	// RiskScore (0-100) and RiskReasons are SmartFactor's assessment of a
	// sign-in, when OneLogin gives one; 0 and nil otherwise.
	RiskScore          int
	RiskReasons        []string
	RiskCookieID       string
	BrowserFingerprint string
}

// Event type ids that explain why a person cannot sign in (reference §2.5;
// EventTypes lists every type with its name). OneLogin documents 1-6;
// the others come from third-party maps that agree.
const (
	EventLoggedIn          = 5   // USER_LOGGED_INTO_ONELOGIN
	EventLoginFailed       = 6   // USER_FAILED_ONELOGIN_LOGIN
	EventLoggedOut         = 7   // USER_LOGGED_OUT_OF_ONELOGIN
	EventLoggedIntoApp     = 8   // USER_LOGGED_INTO_APP
	EventAppLoginFailed    = 9   // USER_FAILED_APP_LOGIN
	EventUnlocked          = 12  // UNLOCKED_USER
	EventLocked            = 19  // USER_LOCKED: by the policy after failed sign-ins, or by an admin
	EventSuspended         = 21  // SUSPENDED_USER
	EventReactivated       = 32  // REACTIVATED_USER
	EventPasswordExpired   = 238 // USER_REDIRECTED_FOR_PASSWORD_CHANGE
	EventAPILock           = 531 // API_LOCK_USER
	EventSuspendedViaAPI   = 551 // SUSPENDED_USER_VIA_API
	EventReactivatedViaAPI = 552 // REACTIVATED_USER_VIA_API
	EventLockedViaAPI      = 553 // USER_LOCKED_VIA_API
	EventUnlockedViaAPI    = 554 // UNLOCKED_USER_VIA_API
)

// EventType is one kind of event (GET /api/1/events/types). Description is
// a template with %user%, %actor_user%, %role% and %app% placeholders.
type EventType struct {
	ID          int
	Name        string // SCREAMING_SNAKE, e.g. USER_LOCKED
	Description string
}

// EventQuery filters and pages GET /api/1/events. Empty fields are not sent.
type EventQuery struct {
	TypeIDs     []int  // event_type_id: any of these
	UserID      int64  // the person acted upon
	ClientID    string // the API credential that acted
	DirectoryID int64
	ID          int64 // one event
	Resolution  string
	CreatedAt   time.Time // created at exactly this time
	Since       time.Time // created strictly after
	Until       time.Time // created strictly before
	Limit       int       // page size; 0 = OneLogin's default (50, also its maximum)
	// Sort is "+field" or "-field"; "" sends "-created_at" (newest first),
	// since OneLogin does not document its default order.
	Sort         string
	Fields       []string // attributes to return; id is always included
	AfterCursor  string
	BeforeCursor string
}

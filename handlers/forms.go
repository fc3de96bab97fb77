package handlers

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/views"
)

// The form structs below are filled from a request's form values by their
// read* function and checked by Validate, which returns a message per field
// (nil when the form is fine) and keeps the parsed values. Validate never
// calls OneLogin: whatever it needs to know about the tenant is passed in.

// fieldErrors maps a form field name to the message shown beside it. The key
// formError holds a message about the form as a whole.
type fieldErrors map[string]string

const formError = "form"

func (e fieldErrors) add(field, msg string) {
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
}

// result is nil when no field was rejected, so callers can test errs != nil.
func (e fieldErrors) result() fieldErrors {
	if len(e) == 0 {
		return nil
	}
	return e
}

// maxTicket bounds the optional ticket reference stored with each action.
const maxTicket = 200

// maxField bounds free-text profile fields; OneLogin documents no limit, this
// only stops pasted novels.
const maxField = 255

func field(v url.Values, name string) string { return strings.TrimSpace(v.Get(name)) }

func checkTicket(ticket string, errs fieldErrors) {
	if utf8.RuneCountInString(ticket) > maxTicket {
		errs.add("ticket", fmt.Sprintf("Keep the ticket or reason under %d characters.", maxTicket))
	}
}

// ticketForm is an action form with nothing but the optional ticket
// (unlock, log out).
type ticketForm struct {
	Ticket string
}

func readTicketForm(v url.Values) ticketForm { return ticketForm{Ticket: field(v, "ticket")} }

func (f *ticketForm) Validate() fieldErrors {
	errs := fieldErrors{}
	checkTicket(f.Ticket, errs)
	return errs.result()
}

func (f ticketForm) values() map[string]string { return map[string]string{"ticket": f.Ticket} }

// lockForm locks an account for one of the periods views.LockPeriods offers.
type lockForm struct {
	Minutes string
	Ticket  string

	minutes int
}

func readLockForm(v url.Values) lockForm {
	return lockForm{Minutes: field(v, "minutes"), Ticket: field(v, "ticket")}
}

func (f *lockForm) Validate() fieldErrors {
	errs := fieldErrors{}
	checkTicket(f.Ticket, errs)
	n, err := strconv.Atoi(f.Minutes)
	if err != nil || !slices.ContainsFunc(views.LockPeriods, func(p views.LockPeriod) bool { return p.Minutes == n }) {
		errs.add("minutes", "Choose how long to lock the account for.")
	}
	f.minutes = n
	return errs.result()
}

func (f lockForm) values() map[string]string {
	return map[string]string{"minutes": f.Minutes, "ticket": f.Ticket}
}

// passwordForm sets a clear-text password: typed twice, or generated here.
type passwordForm struct {
	Mode           string // "set" (typed) or "generate"
	Password       string
	Confirmation   string
	ValidatePolicy bool
	Ticket         string
}

// maxPassword bounds a typed password; OneLogin documents no maximum.
const maxPassword = 128

func readPasswordForm(v url.Values) passwordForm {
	mode := field(v, "mode")
	if mode == "" {
		mode = "set"
	}
	// Passwords are taken as typed: spaces may be part of them.
	return passwordForm{Mode: mode, Password: v.Get("password"), Confirmation: v.Get("password_confirmation"),
		ValidatePolicy: checked(v.Get("validate_policy")), Ticket: field(v, "ticket")}
}

func (f *passwordForm) Validate() fieldErrors {
	errs := fieldErrors{}
	checkTicket(f.Ticket, errs)
	switch f.Mode {
	case "generate":
	case "set":
		switch {
		case f.Password == "":
			errs.add("password", "Type the new password, or generate one.")
		case utf8.RuneCountInString(f.Password) > maxPassword:
			errs.add("password", fmt.Sprintf("Keep the password under %d characters.", maxPassword))
		case f.Confirmation == "":
			errs.add("password_confirmation", "Type the password a second time.")
		case f.Confirmation != f.Password:
			errs.add("password_confirmation", "The two passwords differ. Type the same password twice.")
		}
	default:
		errs.add("mode", "Choose to type a password or to generate one.")
	}
	return errs.result()
}

// values never includes the passwords: they are not sent back into the page.
func (f passwordForm) values() map[string]string {
	m := map[string]string{"ticket": f.Ticket}
	if f.ValidatePolicy {
		m["validate_policy"] = "true"
	}
	return m
}

// hashForm imports a password hashed elsewhere as salt+sha256.
type hashForm struct {
	Hash   string
	Salt   string
	Ticket string
}

// maxSalt is OneLogin's documented limit for password_salt.
const maxSalt = 40

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

func readHashForm(v url.Values) hashForm {
	return hashForm{Hash: strings.ToLower(field(v, "password_hash")), Salt: v.Get("password_salt"), Ticket: field(v, "ticket")}
}

func (f *hashForm) Validate() fieldErrors {
	errs := fieldErrors{}
	checkTicket(f.Ticket, errs)
	switch {
	case f.Hash == "":
		errs.add("password_hash", "Paste the SHA-256 hash of salt + password.")
	case !sha256Hex.MatchString(f.Hash):
		errs.add("password_hash", "A SHA-256 hash is 64 hexadecimal characters (0-9, a-f).")
	}
	if utf8.RuneCountInString(f.Salt) > maxSalt {
		errs.add("password_salt", fmt.Sprintf("OneLogin accepts a salt of at most %d characters.", maxSalt))
	}
	return errs.result()
}

// values never includes the hash or the salt.
func (f hashForm) values() map[string]string { return map[string]string{"ticket": f.Ticket} }

// stateForm sets the approval/licence state.
type stateForm struct {
	State  string
	Ticket string

	state client.State
}

func readStateForm(v url.Values) stateForm {
	return stateForm{State: field(v, "state"), Ticket: field(v, "ticket")}
}

func (f *stateForm) Validate() fieldErrors {
	errs := fieldErrors{}
	checkTicket(f.Ticket, errs)
	n, err := strconv.Atoi(f.State)
	// Unapproved (0) is not offered: OneLogin refuses most moves back to it,
	// and no helpdesk task needs it.
	s := client.State(n)
	if err != nil || (s != client.StateApproved && s != client.StateRejected && s != client.StateUnlicensed) {
		errs.add("state", "Choose approve, reject or unlicense.")
	}
	f.state = s
	return errs.result()
}

func (f stateForm) values() map[string]string {
	return map[string]string{"state": f.State, "ticket": f.Ticket}
}

// mfaForm asks OneLogin for a temporary MFA token.
type mfaForm struct {
	ExpiresIn string // seconds
	Reusable  bool
	Ticket    string

	expiresIn time.Duration
}

// OneLogin's documented maximum validity, and the shortest we ask for (the
// minimum is undocumented; a token nobody can type in time helps no one).
const (
	maxMFAValidity = 72 * time.Hour
	minMFAValidity = 2 * time.Minute
)

func readMFAForm(v url.Values) mfaForm {
	return mfaForm{ExpiresIn: field(v, "expires_in"), Reusable: checked(v.Get("reusable")), Ticket: field(v, "ticket")}
}

func (f *mfaForm) Validate() fieldErrors {
	errs := fieldErrors{}
	checkTicket(f.Ticket, errs)
	n, err := strconv.Atoi(f.ExpiresIn)
	d := time.Duration(n) * time.Second
	switch {
	case f.ExpiresIn == "":
		errs.add("expires_in", "Choose how long the token stays valid.")
	case err != nil || d < minMFAValidity || d > maxMFAValidity:
		errs.add("expires_in", "A token can be valid for 2 minutes up to 72 hours.")
	}
	f.expiresIn = d
	return errs.result()
}

func (f mfaForm) values() map[string]string {
	m := map[string]string{"expires_in": f.ExpiresIn, "ticket": f.Ticket}
	if f.Reusable {
		m["reusable"] = "true"
	}
	return m
}

// rolesForm adds or removes roles, chosen by id among the tenant's roles.
type rolesForm struct {
	RoleIDs []string
	Ticket  string

	ids   []int64
	names []string
}

func readRolesForm(v url.Values) rolesForm {
	var ids []string
	for _, s := range v["role_id"] {
		if s = strings.TrimSpace(s); s != "" {
			ids = append(ids, s)
		}
	}
	return rolesForm{RoleIDs: ids, Ticket: field(v, "ticket")}
}

// Validate accepts only roles the tenant has, so a stale or forged id never
// reaches OneLogin.
func (f *rolesForm) Validate(tenantRoles []client.Role) fieldErrors {
	errs := fieldErrors{}
	checkTicket(f.Ticket, errs)
	if len(f.RoleIDs) == 0 {
		errs.add("role_id", "Choose a role.")
	}
	names := make(map[int64]string, len(tenantRoles))
	for _, r := range tenantRoles {
		names[r.ID] = r.Name
	}
	f.ids, f.names = nil, nil
	for _, s := range f.RoleIDs {
		id, err := strconv.ParseInt(s, 10, 64)
		name, ok := names[id]
		if err != nil || !ok {
			errs.add("role_id", "There is no such role in OneLogin. Reload the page to see the current roles.")
			continue
		}
		if !slices.Contains(f.ids, id) {
			f.ids = append(f.ids, id)
			f.names = append(f.names, name)
		}
	}
	return errs.result()
}

func (f rolesForm) values() map[string]string {
	m := map[string]string{"ticket": f.Ticket}
	if len(f.RoleIDs) == 1 {
		m["role_id"] = f.RoleIDs[0]
	}
	return m
}

// attributesForm sets custom attribute values. Fields are named
// "attr.<shortname>"; only the tenant's shortnames are accepted.
type attributesForm struct {
	Values map[string]string // shortname -> value, as posted
	Ticket string

	changed map[string]string
}

const attrPrefix = "attr."

func readAttributesForm(v url.Values) attributesForm {
	f := attributesForm{Values: map[string]string{}, Ticket: field(v, "ticket")}
	for k := range v {
		if name, ok := strings.CutPrefix(k, attrPrefix); ok {
			f.Values[name] = strings.TrimSpace(v.Get(k))
		}
	}
	return f
}

// maxAttribute bounds one custom attribute value.
const maxAttribute = 512

// Validate checks the names against the tenant's definitions and keeps the
// values that differ from current, so only real changes are sent.
func (f *attributesForm) Validate(defined []string, current map[string]string) fieldErrors {
	errs := fieldErrors{}
	checkTicket(f.Ticket, errs)
	f.changed = map[string]string{}
	for name, val := range f.Values {
		if !slices.Contains(defined, name) {
			errs.add(formError, fmt.Sprintf("OneLogin has no custom attribute named %q. Reload the page to see the current ones.", name))
			continue
		}
		if utf8.RuneCountInString(val) > maxAttribute {
			errs.add(attrPrefix+name, fmt.Sprintf("Keep the value under %d characters.", maxAttribute))
			continue
		}
		if val != current[name] {
			f.changed[name] = val
		}
	}
	if len(errs) == 0 && len(f.changed) == 0 {
		errs.add(formError, "Nothing to save: every value is as it was.")
	}
	return errs.result()
}

func (f attributesForm) values() map[string]string {
	m := map[string]string{"ticket": f.Ticket}
	for k, v := range f.Values {
		m[attrPrefix+k] = v
	}
	return m
}

// changedNames lists the attributes being changed, sorted.
func (f attributesForm) changedNames() []string {
	names := make([]string, 0, len(f.changed))
	for k := range f.changed {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// profileForm creates a user or edits a profile.
type profileForm struct {
	Firstname  string
	Lastname   string
	Email      string
	Username   string
	Company    string
	Department string
	Title      string
	Phone      string
	Comment    string // edit only: OneLogin's create call has no comment
	Ticket     string
}

// profileFields are the form field names, in page order.
var profileFields = []string{"firstname", "lastname", "email", "username", "company", "department", "title", "phone", "comment"}

func readProfileForm(v url.Values) profileForm {
	return profileForm{
		Firstname: field(v, "firstname"), Lastname: field(v, "lastname"),
		Email: field(v, "email"), Username: field(v, "username"),
		Company: field(v, "company"), Department: field(v, "department"), Title: field(v, "title"),
		Phone: field(v, "phone"), Comment: field(v, "comment"), Ticket: field(v, "ticket"),
	}
}

// profileFormOf fills the edit form from the current profile.
func profileFormOf(u client.User) profileForm {
	return profileForm{Firstname: u.Firstname, Lastname: u.Lastname, Email: u.Email, Username: u.Username,
		Company: u.Company, Department: u.Department, Title: u.Title, Phone: u.Phone, Comment: u.Comment}
}

func (f *profileForm) Validate() fieldErrors {
	errs := fieldErrors{}
	checkTicket(f.Ticket, errs)
	if f.Firstname == "" {
		errs.add("firstname", "Enter the first name.")
	}
	if f.Lastname == "" {
		errs.add("lastname", "Enter the last name.")
	}
	if f.Email == "" && f.Username == "" {
		errs.add("email", "Enter an email or a username: OneLogin needs one of them.")
	}
	if f.Email != "" {
		if a, err := mail.ParseAddress(f.Email); err != nil || a.Address != f.Email || a.Name != "" {
			errs.add("email", "Enter an email address like name@example.com.")
		}
	}
	if strings.ContainsAny(f.Username, " \t") {
		errs.add("username", "A username cannot contain spaces.")
	}
	for name, val := range f.fieldMap() {
		if utf8.RuneCountInString(val) > maxField {
			errs.add(name, fmt.Sprintf("Keep this under %d characters.", maxField))
		}
	}
	return errs.result()
}

func (f profileForm) fieldMap() map[string]string {
	return map[string]string{"firstname": f.Firstname, "lastname": f.Lastname, "email": f.Email,
		"username": f.Username, "company": f.Company, "department": f.Department, "title": f.Title,
		"phone": f.Phone, "comment": f.Comment}
}

func (f profileForm) values() map[string]string {
	m := f.fieldMap()
	m["ticket"] = f.Ticket
	return m
}

// create is the body of the create call.
func (f profileForm) create() client.UserCreate {
	return client.UserCreate{Firstname: f.Firstname, Lastname: f.Lastname, Email: f.Email, Username: f.Username,
		Company: f.Company, Department: f.Department, Title: f.Title, Phone: f.Phone}
}

// update is the body of the update call with only the fields that differ
// from u, and their names in page order. Nothing changed gives no names.
func (f profileForm) update(u client.User) (client.UserUpdate, []fieldChange) {
	var up client.UserUpdate
	var changed []fieldChange
	set := func(name string, dst **string, now, was string) {
		if now != was {
			v := now
			*dst = &v
			changed = append(changed, fieldChange{Name: name, Was: was, Now: now})
		}
	}
	set("firstname", &up.Firstname, f.Firstname, u.Firstname)
	set("lastname", &up.Lastname, f.Lastname, u.Lastname)
	set("email", &up.Email, f.Email, u.Email)
	set("username", &up.Username, f.Username, u.Username)
	set("company", &up.Company, f.Company, u.Company)
	set("department", &up.Department, f.Department, u.Department)
	set("title", &up.Title, f.Title, u.Title)
	set("phone", &up.Phone, f.Phone, u.Phone)
	set("comment", &up.Comment, f.Comment, u.Comment)
	return up, changed
}

// fieldChange is one profile field an edit changes. Profile fields are
// never secret, so the audit trail keeps both values.
type fieldChange struct{ Name, Was, Now string }

// changeParams are an edit's audit parameters: which fields, and each one's
// old and new value.
func changeParams(changed []fieldChange) map[string]string {
	names := make([]string, len(changed))
	params := make(map[string]string, 2*len(changed)+1)
	for i, ch := range changed {
		names[i] = ch.Name
		params[ch.Name+"_was"], params[ch.Name] = ch.Was, ch.Now
	}
	params["fields"] = strings.Join(names, ",")
	return params
}

// deleteForm confirms a deletion by the person's email or username typed out.
type deleteForm struct {
	Confirm string
	Ticket  string
}

func readDeleteForm(v url.Values) deleteForm {
	return deleteForm{Confirm: field(v, "confirm"), Ticket: field(v, "ticket")}
}

func (f *deleteForm) Validate(u client.User) fieldErrors {
	errs := fieldErrors{}
	checkTicket(f.Ticket, errs)
	want := confirmationWord(u)
	switch {
	case f.Confirm == "":
		errs.add("confirm", "Type "+want+" to confirm.")
	case f.Confirm != u.Email && (u.Username == "" || f.Confirm != u.Username):
		errs.add("confirm", "That does not match. Type "+want+" exactly to confirm.")
	}
	return errs.result()
}

func (f deleteForm) values() map[string]string {
	return map[string]string{"confirm": f.Confirm, "ticket": f.Ticket}
}

// confirmationWord is what a person types to confirm deleting u.
func confirmationWord(u client.User) string {
	if u.Email != "" {
		return u.Email
	}
	return u.Username
}

// checked reads an HTML checkbox: present with "on", "true" or "1".
func checked(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "on", "true", "1", "yes":
		return true
	}
	return false
}

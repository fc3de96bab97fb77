package handlers

// The profile form (create and edit a person) and the delete form.

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"unicode/utf8"

	"onelogin-helpdesk/client"
)

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

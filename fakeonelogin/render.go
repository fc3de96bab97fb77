package fakeonelogin

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// userKeys are the 35 keys of a real v1 user object (reference §4.1).
var userKeys = []string{
	"activated_at", "comment", "company", "created_at", "custom_attributes", "department", "directory_id",
	"distinguished_name", "email", "external_id", "firstname", "group_id", "id", "invalid_login_attempts",
	"invitation_sent_at", "last_login", "lastname", "locale_code", "locked_until", "manager_ad_id",
	"manager_user_id", "member_of", "openid_name", "password_changed_at", "phone", "preferred_locale_code",
	"role_id", "samaccountname", "state", "status", "title", "trusted_idp_id", "updated_at", "username",
	"userprincipalname",
}

func optStr(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func optInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func optTime(p *time.Time) any {
	if p == nil {
		return nil
	}
	return isoTime(*p)
}

// userValue is the wire value of one key of u. Caller holds t.mu.
func (t *Tenant) userValue(u *user, k string) any {
	switch k {
	case "id":
		return u.id
	case "email":
		return u.email
	case "username":
		return optStr(u.username)
	case "firstname":
		return u.firstname
	case "lastname":
		return u.lastname
	case "company":
		return optStr(u.company)
	case "department":
		return optStr(u.department)
	case "title":
		return optStr(u.title)
	case "comment":
		return u.comment
	case "phone":
		return optStr(u.phone)
	case "group_id":
		return optInt(u.groupID)
	case "role_id":
		if len(u.roleIDs) == 0 {
			return nil // role-less users have role_id null (R)
		}
		return u.roleIDs
	case "status":
		if u.freshlyCreated {
			return nil // the create reply shows status null (D sample)
		}
		return u.status
	case "state":
		return u.state
	case "invalid_login_attempts":
		if u.invalidLogins == nil {
			return nil
		}
		return *u.invalidLogins
	case "locked_until":
		return optTime(u.lockedUntil)
	case "activated_at":
		return optTime(u.activatedAt)
	case "created_at":
		return isoTime(u.createdAt)
	case "updated_at":
		return isoTime(u.updatedAt)
	case "invitation_sent_at":
		return optTime(u.invitationSentAt)
	case "last_login":
		return optTime(u.lastLogin)
	case "password_changed_at":
		return optTime(u.passwordChangedAt)
	case "openid_name":
		return u.openidName
	case "locale_code":
		return optStr(u.localeCode)
	case "preferred_locale_code":
		return optStr(u.preferredLocale)
	case "directory_id":
		return optInt(u.directoryID)
	case "distinguished_name":
		return optStr(u.distinguishedName)
	case "member_of":
		return optStr(u.memberOf)
	case "samaccountname":
		return optStr(u.samAccountName)
	case "userprincipalname":
		return optStr(u.userPrincipalName)
	case "external_id":
		return u.externalID
	case "manager_ad_id":
		return u.managerADID
	case "manager_user_id":
		return optInt(u.managerUserID)
	case "trusted_idp_id":
		return optInt(u.trustedIDPID)
	case "custom_attributes":
		// Every defined attribute appears, unset ones as null (R).
		m := make(map[string]any, len(t.customAttrs))
		for _, name := range t.customAttrs {
			m[name] = optStr(u.custom[name])
		}
		return m
	}
	return nil
}

func (t *Tenant) usersJSON(us []*user, keys []string) json.RawMessage {
	return objectsJSON(us, keys, t.userValue)
}

// objectsJSON writes items as a JSON list of objects with keys in the given
// order (OneLogin's own order, which encoding/json's maps would not keep).
func objectsJSON[T any](items []T, keys []string, value func(T, string) any) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, item := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		for j, k := range keys {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			v, _ := json.Marshal(value(item, k))
			b.Write(v)
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.Bytes()
}

// response is a reply computed under t.mu and written after it is released.
type response struct {
	code int
	body any
}

func errResp(code int, msg any) response {
	return response{code, envelope{Status: statusBlock{Error: true, Code: code, Type: statusType(code), Message: msg}}}
}

func badAttr(attr, desc string) response {
	return errResp(http.StatusBadRequest, attrMessage{Attribute: attr, Description: desc})
}

func okResp(data any) response {
	return response{http.StatusOK, envelope{Status: success(), Data: data}}
}

// withLock runs f under the tenant lock and marshals its reply there too
// (the reply may share maps with state), then writes it unlocked.
func (t *Tenant) withLock(w http.ResponseWriter, f func() response) {
	t.mu.Lock()
	r := f()
	b, err := json.Marshal(r.body)
	t.mu.Unlock()
	if err != nil {
		fail(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	writeRaw(w, r.code, b)
}

func writeRaw(w http.ResponseWriter, code int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	if code == http.StatusUnauthorized {
		h.Set("Cache-Control", "no-cache")
	} else {
		h.Set("Cache-Control", "max-age=0, private, must-revalidate")
	}
	w.WriteHeader(code)
	w.Write(b)
}

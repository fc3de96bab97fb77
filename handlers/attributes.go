package handlers

// A person's custom attribute values, with their form.

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
)

func (h *Handler) setCustomAttributes(c echo.Context) error {
	u, form, err := h.start(c)
	if err != nil {
		return err
	}
	f := readAttributesForm(form)
	defined, err := h.dir.CustomAttributes(c.Request().Context())
	if err != nil {
		return err
	}
	if errs := f.Validate(defined, u.CustomAttributes); errs != nil {
		return h.invalid(c, attributesPanel, u, "attributes", f.values(), errs)
	}
	names := f.changedNames()
	pairs := make([]string, len(names))
	for i, n := range names {
		pairs[i] = n + "=" + f.changed[n]
	}
	// One key for all of them: an attribute's name is the tenant's choice and
	// could contain a word the audit trail refuses as a secret's key.
	params := map[string]string{"attributes": strings.Join(pairs, "; ")}
	err = h.act(c, attemptOn(access.SetCustomAttributes, u, f.Ticket, params), func(ctx context.Context) error {
		return h.ol.SetCustomAttributes(ctx, u.ID, f.changed)
	})
	if err != nil {
		return h.failed(c, attributesPanel, u, "attributes", "the attribute values", f.values(), err)
	}
	// Values changed, not definitions, so the directory cache stays valid.
	return h.done(c, attributesPanel, u, "Saved "+strings.Join(names, ", ")+" for "+u.Name()+".", nil)
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

package staffauth

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/config"
)

// Persona is someone the demo mode can sign in as.
type Persona struct {
	Key    string // short name in the form: admin, helpdesk, viewer, employee
	Email  string
	Name   string
	Groups []string
	// Role, when set, is the persona's role; otherwise it follows from
	// Groups through the group settings like everyone else's.
	Role access.Role
}

// Config is what staff sign-in needs: its sections of the typed
// configuration, checked and given their defaults by package config, and
// what only the assembled console knows. The console builds it in one
// place; New refuses a Config that names no sign-in mode, so demo sign-in
// is never what a forgotten field gives.
type Config struct {
	Auth    config.Auth
	Session config.Session
	// PublicURL is the console's own origin as people reach it (no
	// trailing slash). Requests whose Origin matches it pass the CSRF
	// origin check even when a proxy rewrote the Host header.
	PublicURL string

	// ImgSources are added to the CSP img-src, e.g. the OneLogin base URL
	// origin that app icons come from.
	ImgSources []string
	// UnlockURL, when set, is the public unlock page the sign-in pages
	// link to as "Locked out?".
	UnlockURL string
	// DemoPersonas are whom demo mode signs in as; demo mode needs them,
	// and no other mode takes them.
	DemoPersonas []Persona
	// DemoTenant marks every sign-in page as a demo: the console runs on
	// the embedded fake tenant.
	DemoTenant bool
}

// Fixed parts of sign-in that are not settings.
const (
	// jwtLeeway is the clock skew allowed on a token's exp and nbf.
	jwtLeeway = 30 * time.Second
	// maxBodyBytes caps request bodies.
	maxBodyBytes = 1 << 20
)

// oidcScopes are asked of the OIDC provider.
var oidcScopes = []string{"openid", "email", "profile", "groups"}

// check refuses a Config that the configuration could not have produced:
// no mode, demo sign-in without personas or personas outside demo, no
// session key. The settings themselves are checked by package config.
func (c Config) check() error {
	var errs []error
	switch c.Auth.Mode {
	case config.ModeProxy, config.ModeOIDC:
		if len(c.DemoPersonas) > 0 {
			errs = append(errs, fmt.Errorf("demo personas given in %s mode", c.Auth.Mode))
		}
	case config.ModeDemo:
		if len(c.DemoPersonas) == 0 {
			errs = append(errs, errors.New("demo mode without demo personas"))
		}
		for i, p := range c.DemoPersonas {
			if p.Key == "" || p.Email == "" {
				errs = append(errs, fmt.Errorf("demo persona %d needs a key and an email", i+1))
			}
		}
	default:
		errs = append(errs, fmt.Errorf("no sign-in mode (%q): the configuration says proxy, oidc or demo", c.Auth.Mode))
	}
	if len(c.Session.Keys) == 0 {
		errs = append(errs, errors.New("no session keys"))
	}
	return errors.Join(errs...)
}

// StaffGroups are the configured groups of each staff role.
func StaffGroups(a config.Auth) access.StaffGroups {
	return access.StaffGroups{
		Admin:    access.NewNames(a.AdminGroups, a.GroupsCaseInsensitive),
		Helpdesk: access.NewNames(a.HelpdeskGroups, a.GroupsCaseInsensitive),
		Viewer:   access.NewNames(a.ViewerGroups, a.GroupsCaseInsensitive),
	}
}

// origin returns scheme://host of an absolute URL, or "".
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}

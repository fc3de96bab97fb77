package console

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/config"
)

// ErrConfiguration marks a start failure that the configuration causes and
// only the configuration fixes; main exits 2 on it, as on a bad setting.
var ErrConfiguration = errors.New("configuration")

// protectedNames are the roles whose holders only admins may act on: the
// configured protected roles and, always, the roles behind the admin and
// helpdesk groups (staff sign in through the same tenant, so whoever holds
// a staff role is whom a helpdesk agent must not take over). They compare
// as groups do (HELPDESK_GROUPS_CASE_INSENSITIVE).
func protectedNames(cfg config.Config, auth config.Auth) (names []string, set access.Names) {
	names = append(append(append(names, cfg.Policy.ProtectedRoles...), auth.AdminGroups...), auth.HelpdeskGroups...)
	return names, access.NewNames(names, auth.GroupsCaseInsensitive)
}

// protection confirms that the tenant has every protected role: a name that
// matches no role protects nobody, silently. Once confirmed it asks no more.
type protection struct {
	set   access.Names
	roles func(ctx context.Context) ([]string, error)

	mu        sync.Mutex
	confirmed bool
}

func newProtection(set access.Names, c *client.Client) *protection {
	return &protection{set: set, roles: func(ctx context.Context) ([]string, error) {
		var names []string
		for r, err := range c.AllRoles(ctx, client.ListRolesQuery{}) {
			if err != nil {
				return nil, err
			}
			names = append(names, r.Name)
		}
		return names, nil
	}}
}

// missingRolesError names the protected roles the tenant does not have.
type missingRolesError struct{ missing []string }

func (e *missingRolesError) Error() string {
	return fmt.Sprintf("HELPDESK_PROTECTED_ROLES, HELPDESK_ADMIN_GROUPS, HELPDESK_HELPDESK_GROUPS: the tenant has no role named %q, so its holders would not be protected; fix the name or create the role",
		e.missing)
}

// check asks the tenant for its roles, unless they were confirmed before.
// It fails with a *missingRolesError when a protected role is not among
// them, with another error when OneLogin could not be asked.
func (p *protection) check(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.confirmed || p.set.Empty() {
		return nil
	}
	have, err := p.roles(ctx)
	if err != nil {
		return err
	}
	if missing := p.set.Missing(have); len(missing) > 0 {
		return &missingRolesError{missing}
	}
	p.confirmed = true
	return nil
}

// atStart is check when the console starts: a missing role stops it (a
// configuration error); a OneLogin that cannot be asked does not, and
// readiness asks again.
func (p *protection) atStart(ctx context.Context) (unconfirmed error, fatal error) {
	err := p.check(ctx)
	if mr := (*missingRolesError)(nil); errors.As(err, &mr) {
		return nil, fmt.Errorf("%w: %v", ErrConfiguration, err)
	}
	return err, nil
}

// ready is the readiness check: not ready until every protected role is
// confirmed, saying which.
func (p *protection) ready(ctx context.Context) error {
	err := p.check(ctx)
	if err == nil {
		return nil
	}
	if mr := (*missingRolesError)(nil); errors.As(err, &mr) {
		return fmt.Errorf("the tenant has no role named %s (protected roles)", strings.Join(quoteAll(mr.missing), ", "))
	}
	return fmt.Errorf("the protected roles (%s) are not yet confirmed: OneLogin could not be asked for its roles", strings.Join(quoteAll(p.set.Missing(nil)), ", "))
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

package config

import (
	"net/url"
	"strings"
	"time"
)

// OIDCCallbackPath is where the OIDC provider sends people back to; the
// redirect URL must end in it.
const OIDCCallbackPath = "/auth/callback"

// defaultAuditDB is the audit file outside demo mode.
const defaultAuditDB = "helpdesk-audit.db"

// Settings is every variable the console reads, in the order --help and the
// README show them.
var Settings = []Setting{
	{"HELPDESK_DEMO", "false", "Run on an embedded fake OneLogin tenant with a persona switcher instead of real sign-in (same as -demo). Nothing in a demo is real.",
		func(p *parser, c *Config, v string) { c.Demo = p.boolean(v) }},
	{"HELPDESK_ADDR", "127.0.0.1:8080", "Address the console listens on.",
		func(p *parser, c *Config, v string) { c.HTTP.Addr = p.hostPort(v) }},
	{"HELPDESK_PUBLIC_URL", "", "URL people use to reach the console (for OIDC redirects and origin checks); default http://HELPDESK_ADDR.",
		func(p *parser, c *Config, v string) { c.HTTP.PublicURL = strings.TrimSuffix(p.httpURL(v), "/") }},
	{"ONELOGIN_SUBDOMAIN", "", "OneLogin tenant subdomain: https://<subdomain>.onelogin.com.",
		func(p *parser, c *Config, v string) {
			if v == "" || c.OneLogin.BaseURL != "" {
				return
			}
			if strings.ContainsAny(v, "./:") {
				p.fail("must be the bare subdomain (acme for acme.onelogin.com); use ONELOGIN_URL for a full URL")
				return
			}
			c.OneLogin.BaseURL = "https://" + v + ".onelogin.com"
		}},
	{"ONELOGIN_URL", "", "Full OneLogin base URL; overrides ONELOGIN_SUBDOMAIN (regional hosts, proxies).",
		func(p *parser, c *Config, v string) {
			if u := strings.TrimSuffix(p.httpURL(v), "/"); u != "" {
				c.OneLogin.BaseURL = u
			}
		}},
	{"ONELOGIN_CLIENT_ID", "", "OneLogin API credential client id (Manage All scope for every action).",
		func(p *parser, c *Config, v string) { c.OneLogin.ClientID = v }},
	{"ONELOGIN_CLIENT_SECRET", "", "OneLogin API credential secret. Never logged or shown.",
		func(p *parser, c *Config, v string) { c.OneLogin.ClientSecret = v }},
	{"HELPDESK_ONELOGIN_USER_URL", "", "Address of a person in OneLogin's admin portal, with {id} for their user id (e.g. https://acme.onelogin.com/users/{id}/edit); a person's page links to it. Unset shows no link.",
		func(p *parser, c *Config, v string) {
			if v == "" {
				return
			}
			if !strings.Contains(v, "{id}") {
				p.fail("must contain {id} where the user id goes")
				return
			}
			c.OneLogin.UserURL = p.httpURL(strings.ReplaceAll(v, "{id}", "1"))
			if c.OneLogin.UserURL != "" {
				c.OneLogin.UserURL = v
			}
		}},
	{"ONELOGIN_TIMEOUT", "10s", "Deadline for each OneLogin call.",
		func(p *parser, c *Config, v string) { c.OneLogin.Timeout = p.positiveDuration(v) }},
	{"HELPDESK_BREAKER_FAILURES", "5", "Consecutive OneLogin failures (no answer or 5xx) after which the console stops calling it for a while; 0 never stops.",
		func(p *parser, c *Config, v string) { c.Breaker.Failures = p.integer(v, 0, 1000) }},
	{"HELPDESK_BREAKER_OPEN", "10s", "How long the console stops calling a failing OneLogin before trying one call again.",
		func(p *parser, c *Config, v string) { c.Breaker.OpenFor = p.positiveDuration(v) }},
	{"HELPDESK_FAKE_SEED", "1", "Seed of the embedded fake tenant (demo only).",
		func(p *parser, c *Config, v string) { c.Fake.Seed = int64(p.integer(v, 0, 1<<31)) }},
	{"HELPDESK_FAKE_USERS", "2000", "Number of people in the embedded fake tenant (demo only).",
		func(p *parser, c *Config, v string) { c.Fake.Users = p.integer(v, 10, 100000) }},
	{"HELPDESK_FAKE_LATENCY", "0s", "Latency the embedded fake tenant adds to every call (demo only; benchmarks).",
		func(p *parser, c *Config, v string) { c.Fake.Latency = p.duration(v) }},
	{"HELPDESK_FAKE_RATE_LIMIT", "5000", "API calls per hour the embedded fake tenant allows, like OneLogin's quota (demo only; raise it for benchmarks).",
		func(p *parser, c *Config, v string) { c.Fake.RateLimit = p.integer(v, 1, 1<<30) }},
	{"HELPDESK_AUTH_MODE", "", "How staff are identified: proxy or oidc; required outside demo, where it defaults to demo (a persona switcher).",
		func(p *parser, c *Config, v string) {
			switch m := AuthMode(strings.ToLower(v)); m {
			case "", ModeProxy, ModeOIDC, ModeDemo:
				c.Auth.Mode = m
			default:
				p.fail("must be proxy, oidc or demo")
			}
		}},
	{"HELPDESK_TRUSTED_PROXIES", "", "proxy mode: comma-separated CIDRs whose identity headers are believed.",
		func(p *parser, c *Config, v string) { c.Auth.Proxy.TrustedProxies = p.prefixes(v) }},
	{"HELPDESK_PROXY_EMAIL_HEADER", "X-Forwarded-Email", "proxy mode: header with the person's email.",
		func(p *parser, c *Config, v string) { c.Auth.Proxy.EmailHeader = p.header(v) }},
	{"HELPDESK_PROXY_USER_HEADER", "X-Forwarded-User", "proxy mode: header with the person's name or user id.",
		func(p *parser, c *Config, v string) { c.Auth.Proxy.UserHeader = p.header(v) }},
	{"HELPDESK_PROXY_GROUPS_HEADER", "X-Forwarded-Groups", "proxy mode: header with comma-separated groups.",
		func(p *parser, c *Config, v string) { c.Auth.Proxy.GroupsHeader = p.header(v) }},
	{"HELPDESK_PROXY_SIGN_OUT_URL", "", "proxy mode: where signing out sends the browser after ending the console's session, e.g. /oauth2/sign_out for oauth2-proxy; unset shows the console's signed-out page.",
		func(p *parser, c *Config, v string) {
			if v != "" && !strings.HasPrefix(v, "/") {
				v = p.httpURL(v)
			} else if strings.HasPrefix(v, "//") {
				p.fail("must be a path on the console's host (/oauth2/sign_out) or an absolute http(s) URL")
			}
			c.Auth.Proxy.SignOutURL = v
		}},
	{"HELPDESK_PROXY_JWT_HEADER", "", "proxy mode: header carrying a signed identity assertion (JWT) to verify.",
		func(p *parser, c *Config, v string) { c.Auth.Proxy.JWTHeader = p.header(v) }},
	{"HELPDESK_PROXY_JWKS_URL", "", "proxy mode: JWKS URL for the assertion's keys.",
		func(p *parser, c *Config, v string) { c.Auth.Proxy.JWKSURL = p.httpURL(v) }},
	{"HELPDESK_PROXY_JWT_AUDIENCE", "", "proxy mode: expected audience of the assertion.",
		func(p *parser, c *Config, v string) { c.Auth.Proxy.JWTAudience = v }},
	{"HELPDESK_PROXY_JWT_ISSUER", "", "proxy mode: expected issuer of the assertion.",
		func(p *parser, c *Config, v string) { c.Auth.Proxy.JWTIssuer = v }},
	{"HELPDESK_PROXY_JWT_GROUPS_CLAIM", "groups", "proxy mode: claim holding the groups.",
		func(p *parser, c *Config, v string) { c.Auth.Proxy.JWTGroupsClaim = v }},
	{"HELPDESK_OIDC_ISSUER", "", "oidc mode: issuer URL; in demo, the fake tenant's provider.",
		func(p *parser, c *Config, v string) { c.Auth.OIDC.Issuer = strings.TrimSuffix(p.httpURL(v), "/") }},
	{"HELPDESK_OIDC_CLIENT_ID", "", "oidc mode: client id.",
		func(p *parser, c *Config, v string) { c.Auth.OIDC.ClientID = v }},
	{"HELPDESK_OIDC_CLIENT_SECRET", "", "oidc mode: client secret. Never logged or shown.",
		func(p *parser, c *Config, v string) { c.Auth.OIDC.ClientSecret = v }},
	{"HELPDESK_OIDC_REDIRECT_URL", "", "oidc mode: callback URL; default HELPDESK_PUBLIC_URL" + OIDCCallbackPath + ".",
		func(p *parser, c *Config, v string) {
			if u := p.httpURL(v); u != "" {
				if pu, _ := url.Parse(u); pu.Path != OIDCCallbackPath {
					p.fail("must be an absolute http(s) URL ending in " + OIDCCallbackPath)
				}
				c.Auth.OIDC.RedirectURL = u
			}
		}},
	{"HELPDESK_OIDC_GROUPS_CLAIM", "groups", "oidc mode: ID-token claim holding the groups.",
		func(p *parser, c *Config, v string) { c.Auth.OIDC.GroupsClaim = v }},
	{"HELPDESK_PROXY_JWKS_REFRESH", "15m", "proxy mode: how often the assertion's keys are fetched again, so a removed key stops working (at least 1m).",
		func(p *parser, c *Config, v string) {
			if c.Auth.Proxy.JWKSRefresh = p.positiveDuration(v); c.Auth.Proxy.JWKSRefresh < time.Minute && c.Auth.Proxy.JWKSRefresh > 0 {
				p.fail("must be at least 1m")
			}
		}},
	{"HELPDESK_GROUPS_SEPARATOR", ",", "What separates group names in the group settings, the proxy's groups header and a groups claim given as one string; set e.g. ; when group names contain commas.",
		func(p *parser, c *Config, v string) {
			if v == "" || strings.ContainsAny(v, " \t") {
				p.fail("must be one or more characters other than spaces")
			}
			c.Auth.GroupsSeparator = v
		}},
	{"HELPDESK_GROUPS_CASE_INSENSITIVE", "false", "Compare group names ignoring the case of A-Z only (never Unicode case folding); by default they compare exactly.",
		func(p *parser, c *Config, v string) { c.Auth.GroupsCaseInsensitive = p.boolean(v) }},
	{"HELPDESK_ADMIN_GROUPS", "", "Groups whose members are admins (separated by HELPDESK_GROUPS_SEPARATOR).",
		func(p *parser, c *Config, v string) { c.Auth.AdminGroups = p.groups(c, v) }},
	{"HELPDESK_HELPDESK_GROUPS", "", "Groups whose members are helpdesk staff.",
		func(p *parser, c *Config, v string) { c.Auth.HelpdeskGroups = p.groups(c, v) }},
	{"HELPDESK_VIEWER_GROUPS", "", "Groups whose members may search and read.",
		func(p *parser, c *Config, v string) { c.Auth.ViewerGroups = p.groups(c, v) }},
	{"HELPDESK_PROTECTED_ROLES", "", "More OneLogin role names whose holders only admins may act on (separated by HELPDESK_GROUPS_SEPARATOR, compared as groups are); the roles of HELPDESK_ADMIN_GROUPS and HELPDESK_HELPDESK_GROUPS always are. A name the tenant has no role for stops the start (or, when OneLogin cannot be asked then, keeps the console not ready).",
		func(p *parser, c *Config, v string) { c.Policy.ProtectedRoles = p.groups(c, v) }},
	{"HELPDESK_SESSION_KEYS", "", "Comma-separated session keys (base64 or hex, 32+ bytes); the first signs, all verify. Required outside demo.",
		func(p *parser, c *Config, v string) { c.Session.Keys = p.keys(v) }},
	{"HELPDESK_SECURE_COOKIES", "false", "Mark cookies Secure even without TLS (behind a TLS-terminating proxy).",
		func(p *parser, c *Config, v string) { c.Session.SecureCookies = p.boolean(v) }},
	{"HELPDESK_SESSION_IDLE_TIMEOUT", "30m", "Sign out after this long without a request.",
		func(p *parser, c *Config, v string) { c.Session.IdleTimeout = p.positiveDuration(v) }},
	{"HELPDESK_SESSION_MAX_AGE", "12h", "Sign out this long after sign-in, whatever happens.",
		func(p *parser, c *Config, v string) { c.Session.MaxAge = p.positiveDuration(v) }},
	{"HELPDESK_ROLE_RECHECK", "15m", "Derive a signed-in person's role again at least this often, so a group change takes effect within it (proxy mode reads the headers on every request anyway; oidc mode signs in again, silently when the provider allows).",
		func(p *parser, c *Config, v string) { c.Session.RoleRecheck = p.positiveDuration(v) }},
	{"HELPDESK_REVOKE_BLOCK", "12h", "proxy mode: how long an admin's \"End session\" keeps the person out of the console (the proxy would otherwise sign them straight back in), unless an admin lifts it sooner on the sessions page.",
		func(p *parser, c *Config, v string) { c.Session.RevokeBlock = p.positiveDuration(v) }},
	{"HELPDESK_FRAME_ANCESTORS", "'none'", "Content-Security-Policy frame-ancestors of the public unlock page /unlock: who may embed it (e.g. an intranet portal). Staff pages are never framed.",
		func(p *parser, c *Config, v string) { c.HTTP.FrameAncestors = p.cspSources(v) }},
	{"HELPDESK_AUDIT_DB", "", "Path of the SQLite audit trail; default " + defaultAuditDB + ", and in demo a temporary file (a demo's file name must start with " + demoAuditPrefix + ").",
		func(p *parser, c *Config, v string) { c.Audit.DB = v }},
	{"HELPDESK_DATABASE_URL", "", "PostgreSQL URL (postgres://user:password@host:5432/db) for the console's state (audit trail, limits, staff sessions), shared by every replica; unset keeps it in the SQLite file HELPDESK_AUDIT_DB (one node, the demo). The password is never logged.",
		func(p *parser, c *Config, v string) { c.State.DatabaseURL = p.databaseURL(v) }},
	{"HELPDESK_AUDIT_RETENTION", "", "Delete audit records older than this (a duration such as 2160h, or days such as 400d), checked hourly; unset keeps everything.",
		func(p *parser, c *Config, v string) { c.State.Retention = p.retention(v) }},
	{"HELPDESK_REQUIRE_TICKET", "false", "Require a ticket or reason on sensitive actions.",
		func(p *parser, c *Config, v string) { c.Policy.RequireTicket = p.boolean(v) }},
	{"HELPDESK_PASSWORD_POLICY", "true", "Check every password set through the console against the person's OneLogin password policy; false lets staff choose per password.",
		func(p *parser, c *Config, v string) { c.Policy.PasswordPolicy = p.boolean(v) }},
	{"HELPDESK_POLICY_LOCK_MINUTES", "30", "The \"lock effective period\" of the people's OneLogin policy, in minutes: the lock menu offers it and nothing shorter (OneLogin refuses shorter locks); 0 when the policy has none.",
		func(p *parser, c *Config, v string) { c.Policy.LockMinutes = p.integer(v, 0, 365*24*60) }},
	{"HELPDESK_POLICY_PASSWORD_LENGTH", "8", "The shortest password the people's OneLogin policy accepts: a typed password is checked against it before the console asks to set it; 0 checks nothing.",
		func(p *parser, c *Config, v string) { c.Policy.PasswordMinLength = p.integer(v, 0, 128) }},
	{"HELPDESK_VIEWERS_SEE_HISTORY", "false", "Let viewers see the helpdesk history on a person's page (other staff's actions); by default only helpdesk staff and admins do.",
		func(p *parser, c *Config, v string) { c.Policy.ViewersSeeHistory = p.boolean(v) }},
	{"HELPDESK_CALLER_VERIFICATION", "offer", "Checking who calls the helpdesk with a push or code sent to one of the person's MFA factors: off, offer (a Verify the caller control on every person's page) or require (the actions in HELPDESK_CALLER_VERIFICATION_ACTIONS are refused until the same agent verified the caller in the last 15 minutes).",
		func(p *parser, c *Config, v string) { c.Caller.Mode = p.callerMode(v) }},
	{"HELPDESK_CALLER_VERIFICATION_ACTIONS", DefaultCallerActions, "Actions that wait for a verified caller when HELPDESK_CALLER_VERIFICATION=require: any of " + strings.Join(CallerActionNames, ", ") + " (invite_link_elsewhere: a set-password link mailed to an address other than the person's own).",
		func(p *parser, c *Config, v string) { c.Caller.Actions = p.callerActions(v) }},
	{"HELPDESK_BUDGET_EMPLOYEE", "60", "OneLogin calls an employee's requests may make per hour (self-service); 0 for no budget.",
		func(p *parser, c *Config, v string) { c.Quota.Employee = p.integer(v, 0, 1<<20) }},
	{"HELPDESK_BUDGET_VIEWER", "600", "OneLogin calls a viewer's requests may make per hour; 0 for no budget.",
		func(p *parser, c *Config, v string) { c.Quota.Viewer = p.integer(v, 0, 1<<20) }},
	{"HELPDESK_BUDGET_HELPDESK", "1500", "OneLogin calls a helpdesk agent's requests may make per hour; 0 for no budget.",
		func(p *parser, c *Config, v string) { c.Quota.Helpdesk = p.integer(v, 0, 1<<20) }},
	{"HELPDESK_BUDGET_ADMIN", "3000", "OneLogin calls an admin's requests may make per hour; 0 for no budget.",
		func(p *parser, c *Config, v string) { c.Quota.Admin = p.integer(v, 0, 1<<20) }},
	{"HELPDESK_QUOTA_RESERVE", "250", "Calls of the tenant's remaining hourly OneLogin quota kept for account actions: below it, searches and page loads are refused first.",
		func(p *parser, c *Config, v string) { c.Quota.Reserve = p.integer(v, 0, 1<<20) }},
	{"HELPDESK_SELF_UNLOCKS_PER_HOUR", "3", "How often an employee may unlock their own account per hour.",
		func(p *parser, c *Config, v string) { c.SelfService.UnlocksPerHour = p.integer(v, 0, 1000) }},
	{"HELPDESK_PUBLIC_UNLOCK", "false", "Serve the public unlock page /unlock, where people locked out by failed sign-ins unlock their own account after proving who they are with an MFA factor; no sign-in needed. On in demo mode unless set to false.",
		func(p *parser, c *Config, v string) { c.PublicUnlock.Enabled = p.boolean(v) }},
	{"HELPDESK_PUBLIC_UNLOCK_FACTORS", strings.Join(UnlockFactorNames, ","), "Factors the public unlock page accepts, comma-separated: " + strings.Join(UnlockFactorNames, ", ") + ", yubikey (protect is a push to OneLogin Protect).",
		func(p *parser, c *Config, v string) { c.PublicUnlock.Factors = p.unlockFactors(v) }},
	{"HELPDESK_PUBLIC_UNLOCK_ATTEMPTS", "5", "Public unlock: verifications per account (codes tried, codes and pushes sent) within HELPDESK_PUBLIC_UNLOCK_COOLDOWN; then it waits.",
		func(p *parser, c *Config, v string) { c.PublicUnlock.Attempts = p.integer(v, 1, 100) }},
	{"HELPDESK_PUBLIC_UNLOCK_COOLDOWN", "15m", "Public unlock: the window HELPDESK_PUBLIC_UNLOCK_ATTEMPTS counts in, so the cool-down after the last attempt allowed (1m to 24h).",
		func(p *parser, c *Config, v string) {
			if c.PublicUnlock.CoolDown = p.positiveDuration(v); c.PublicUnlock.CoolDown > 0 && (c.PublicUnlock.CoolDown < time.Minute || c.PublicUnlock.CoolDown > 24*time.Hour) {
				p.fail("must be from 1m to 24h")
			}
		}},
	{"HELPDESK_PUBLIC_UNLOCK_PER_DAY", "3", "Public unlock: unlocks per account in any 24 hours.",
		func(p *parser, c *Config, v string) { c.PublicUnlock.UnlocksPerDay = p.integer(v, 1, 100) }},
	{"HELPDESK_PUBLIC_UNLOCK_PER_IP", "30", "Public unlock: look-ups, codes and pushes sent and codes tried per source address in any hour (behind a proxy, set HELPDESK_TRUSTED_PROXIES so the address is the person's).",
		func(p *parser, c *Config, v string) { c.PublicUnlock.PerIP = p.integer(v, 1, 100000) }},
	{"HELPDESK_PUBLIC_UNLOCK_QUOTA_SHARE", "10", "Public unlock: the largest share, in percent, of the tenant's hourly OneLogin API quota the page may use; beyond it the page asks people to come back later.",
		func(p *parser, c *Config, v string) { c.PublicUnlock.QuotaShare = p.integer(v, 1, 100) }},
	{"HELPDESK_SIGNIN_URL", "", "Public unlock: where \"Go to sign-in\" leads once an account is unlocked; unset, the tenant's own sign-in page (the origin of the OneLogin tenant's address).",
		func(p *parser, c *Config, v string) { c.PublicUnlock.SignInURL = p.httpURL(v) }},
	{"HELPDESK_BULK_MAX", "500", "Most people one bulk job (unlock or log out, started from Locked now) may name.",
		func(p *parser, c *Config, v string) { c.Bulk.Max = p.integer(v, 1, 10000) }},
	{"HELPDESK_BULK_HELPDESK_MAX", "0", "Most people a helpdesk member's bulk job may name; 0 lets only admins start bulk jobs.",
		func(p *parser, c *Config, v string) { c.Bulk.HelpdeskMax = p.integer(v, 0, 10000) }},
	{"HELPDESK_BULK_RESERVE_PERCENT", "20", "Share of OneLogin's hourly quota (percent) a bulk job leaves for staff and everything else: the job waits for the quota to renew rather than spend it.",
		func(p *parser, c *Config, v string) { c.Bulk.ReservePercent = p.integer(v, 0, 90) }},
	{"HELPDESK_BULK_RESUME", "true", "After a restart, carry on with the bulk jobs that were running; false marks the rest of each not done.",
		func(p *parser, c *Config, v string) { c.Bulk.Resume = p.boolean(v) }},
	{"HELPDESK_QUOTA_LOW", "250", "Below this many OneLogin calls left in the hour the console skips optional reads (sign-in activity, refreshing Locked now) and says so; 0 never skips.",
		func(p *parser, c *Config, v string) { c.Bulk.QuotaLow = p.integer(v, 0, 100000) }},
	{"HELPDESK_SMTP_URL", "", "SMTP server through which a person is told of every unlock, password reset, set-password link, factor removal and temporary MFA token on their account, by staff or themselves: smtp://user:password@mail.example.com:587 (STARTTLS required) or smtps://…:465 (TLS from the start). Unset sends no mail, so nobody hears of a change they did not ask for. The password is never logged.",
		func(p *parser, c *Config, v string) { c.Mail.SMTPURL = p.smtpURL(v) }},
	{"HELPDESK_MAIL_FROM", "", "Sender of those mails, e.g. IT Helpdesk <helpdesk@example.com>; required with HELPDESK_SMTP_URL.",
		func(p *parser, c *Config, v string) { c.Mail.From = p.mailAddress(v) }},
	{"HELPDESK_CONTACT", "", "How people reach the helpdesk (a phone number, an address or a URL), named in every mail for whoever did not ask for the change.",
		func(p *parser, c *Config, v string) { c.Mail.Contact = v }},
	{"HELPDESK_TICKET_URL", "", "A ticket's page in your ticketing system, with {ticket} where the ticket goes (e.g. https://acme.atlassian.net/browse/{ticket}); every ticket on the console's pages links to it. Unset shows tickets as text.",
		func(p *parser, c *Config, v string) { c.Tickets.URL = p.ticketURL(v) }},
	{"HELPDESK_REPORT_VIEWERS", "admin", "Roles that may read the Reports page: admin, or admin,helpdesk.",
		func(p *parser, c *Config, v string) { c.Reports = p.reportViewers(v) }},
	{"HELPDESK_DIRECTORY_INDEX", "true", "Keep an index of the tenant's people (names, email, status, roles, department; never a secret) in the state store and search it with no OneLogin call; search asks OneLogin until the first full listing is done. false searches OneLogin's API.",
		func(p *parser, c *Config, v string) { c.Directory.Index = p.boolean(v) }},
	{"HELPDESK_DIRECTORY_SYNC", "60s", "How often the index asks OneLogin who changed (one call when nobody did).",
		func(p *parser, c *Config, v string) {
			if c.Directory.Sync = p.positiveDuration(v); c.Directory.Sync > 0 && c.Directory.Sync < 10*time.Second {
				p.fail("must be at least 10s")
			}
		}},
	{"HELPDESK_DIRECTORY_RECONCILE", "24h", "How often the index lists everyone again (paced to the quota) to drop people whose deletion it missed.",
		func(p *parser, c *Config, v string) {
			if c.Directory.Reconcile = p.positiveDuration(v); c.Directory.Reconcile > 0 && c.Directory.Reconcile < time.Hour {
				p.fail("must be at least 1h")
			}
		}},
	{"HELPDESK_TIMEZONE", "UTC", "Time zone for times shown on pages (IANA name).",
		func(p *parser, c *Config, v string) { c.HTTP.Location = p.location(v) }},
	{"HELPDESK_LOG_LEVEL", "info", "Log level: debug, info, warn, error.",
		func(p *parser, c *Config, v string) {
			if err := c.Ops.LogLevel.UnmarshalText([]byte(v)); err != nil {
				p.fail("must be debug, info, warn or error")
			}
		}},
	{"HELPDESK_METRICS_ADDR", "", "Serve /metrics on this separate address; unset serves it on the main one.",
		func(p *parser, c *Config, v string) {
			if v != "" {
				c.Ops.MetricsAddr = p.hostPort(v)
			}
		}},
	{"HELPDESK_READINESS_CACHE", "10s", "How long /readyz reuses its last verdict, good or bad, whatever the probing rate (1s to 5m); each check asks the database and OneLogin once.",
		func(p *parser, c *Config, v string) {
			if c.Ops.ReadinessCache = p.positiveDuration(v); c.Ops.ReadinessCache > 0 && (c.Ops.ReadinessCache < time.Second || c.Ops.ReadinessCache > 5*time.Minute) {
				p.fail("must be between 1s and 5m")
			}
		}},
}

package config

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// parser collects every problem while the settings are read; cur is the
// setting being parsed, which fail names.
type parser struct {
	set      map[string]bool // settings given in the environment
	cur      string
	problems []string
	failedAt map[string]bool
}

func (p *parser) fail(msg string) { p.failAt(p.cur, msg) }

func (p *parser) failAt(name, msg string) {
	p.problems = append(p.problems, name+": "+msg)
	if p.failedAt == nil {
		p.failedAt = map[string]bool{}
	}
	p.failedAt[name] = true
}

// failed reports whether name already has a problem, so that a value that
// did not parse is not also reported missing.
func (p *parser) failed(name string) bool { return p.failedAt[name] }

func (p *parser) err() error {
	if len(p.problems) == 0 {
		return nil
	}
	return errors.New("configuration problems:\n  " + strings.Join(p.problems, "\n  "))
}

// fromFile is a secret setting's value: env (the variable itself) or the
// content of the file that fileVar names, less one trailing line break. It
// is a problem to give both, or a file that cannot be read; a problem names
// the setting and the file, never the content.
func (p *parser) fromFile(name, fileVar, env, path string) string {
	if path == "" {
		return env
	}
	p.set[fileVar] = true
	// A problem with the file is the setting's problem too, so it is not
	// also reported missing.
	fail := func(msg string) {
		p.failAt(fileVar, msg)
		p.failedAt[name] = true
	}
	if env != "" {
		fail("and " + name + " are both set: give the secret one way only")
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		// The error names the path and the reason (missing, permission).
		fail("cannot be read: " + pathError(err))
		return ""
	}
	v := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if strings.TrimSpace(v) == "" {
		fail(path + " is empty")
	}
	return v
}

// pathError words a file error as "path: reason" without anything read.
func pathError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Path + ": " + pe.Err.Error()
	}
	return err.Error()
}

func (p *parser) boolean(v string) bool {
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail("must be true or false")
	}
	return b
}

func (p *parser) integer(v string, min, max int) int {
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		p.fail(fmt.Sprintf("must be a whole number from %d to %d", min, max))
	}
	return n
}

func (p *parser) duration(v string) time.Duration {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		p.fail("must be a duration such as 30s or 5m")
	}
	return d
}

func (p *parser) positiveDuration(v string) time.Duration {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		p.fail("must be a duration longer than 0s, such as 30s or 5m")
	}
	return d
}

func (p *parser) hostPort(v string) string {
	if _, _, err := net.SplitHostPort(v); err != nil {
		p.fail("must be host:port, e.g. 127.0.0.1:8080")
	}
	return v
}

// httpURL accepts "" (unset) or an absolute http(s) URL.
func (p *parser) httpURL(v string) string {
	if v == "" {
		return ""
	}
	if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.fail("must be an absolute http(s) URL")
	}
	return v
}

// header accepts an HTTP header name.
func (p *parser) header(v string) string {
	for _, r := range v {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			p.fail("must be an HTTP header name such as X-Forwarded-Email")
			break
		}
	}
	return v
}

func (p *parser) location(v string) *time.Location {
	loc, err := time.LoadLocation(v)
	if err != nil {
		p.fail("unknown time zone " + strconv.Quote(v))
		return time.UTC
	}
	return loc
}

// list splits a comma-separated setting, dropping blanks.
func list(v string) []string {
	var out []string
	for _, part := range strings.Split(v, ",") {
		if s := strings.TrimSpace(part); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// groups splits a list of group or role names on the configured separator
// (which is declared, and so parsed, before every list that uses it),
// trimming ASCII spaces only.
func (p *parser) groups(c *Config, v string) []string {
	sep := c.Auth.GroupsSeparator
	if sep == "" {
		sep = ","
	}
	var out []string
	for _, part := range strings.Split(v, sep) {
		if s := strings.Trim(part, " \t"); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// prefixes reads CIDRs or bare IPs (a /32 or /128).
func (p *parser) prefixes(v string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range list(v) {
		var pf netip.Prefix
		var err error
		if strings.Contains(s, "/") {
			pf, err = netip.ParsePrefix(s)
			pf = pf.Masked()
		} else {
			var a netip.Addr
			if a, err = netip.ParseAddr(s); err == nil {
				a = a.Unmap()
				pf = netip.PrefixFrom(a, a.BitLen())
			}
		}
		if err != nil {
			p.fail(fmt.Sprintf("%q is not a CIDR or IP address", s))
			continue
		}
		out = append(out, pf)
	}
	return out
}

// minKeyLen is the shortest session key accepted, in bytes.
const minKeyLen = 32

// keys reads session keys written as hex or base64. A bad key is reported
// by position, never by value: it is a secret even when malformed.
func (p *parser) keys(v string) []Secret {
	var out []Secret
	for i, s := range list(v) {
		k, err := decodeKey(s)
		if err != nil {
			p.fail(fmt.Sprintf("key %d %v", i+1, err))
			continue
		}
		out = append(out, k)
	}
	return out
}

func decodeKey(s string) ([]byte, error) {
	if len(s)%2 == 0 {
		if b, err := hex.DecodeString(s); err == nil {
			if len(b) < minKeyLen {
				return nil, fmt.Errorf("is %d bytes of hex; at least %d are needed", len(b), minKeyLen)
			}
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) < minKeyLen {
				return nil, fmt.Errorf("is %d bytes of base64; at least %d are needed", len(b), minKeyLen)
			}
			return b, nil
		}
	}
	return nil, errors.New("is neither hex nor base64")
}

// cspSources reads a CSP source list separated by spaces or commas.
func (p *parser) cspSources(v string) []string {
	out := strings.Fields(strings.ReplaceAll(v, ",", " "))
	for _, s := range out {
		if !ValidSource(s) {
			p.fail(fmt.Sprintf("%q is not a CSP source ('none', 'self', or an origin such as https://intranet.example.com)", s))
		}
	}
	return out
}

// ValidSource accepts the CSP sources an operator would put in
// frame-ancestors or img-src, and nothing that could end the directive.
func ValidSource(s string) bool {
	switch s {
	case "'none'", "'self'", "data:", "https:", "http:":
		return true
	}
	if strings.ContainsAny(s, ";,'\" \t\r\n") {
		return false
	}
	if u, err := url.Parse(s); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return u.Path == "" || u.Path == "/"
	}
	// Host sources, optionally with a wildcard: *.example.com
	host := strings.TrimPrefix(s, "*.")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return host != "" && !strings.ContainsAny(host, "/?#@")
}

// unlockFactors reads the public unlock page's factor names, without
// repeats.
func (p *parser) unlockFactors(v string) []string {
	var out []string
	for _, f := range list(strings.ToLower(v)) {
		if !slices.Contains(UnlockFactorNames, f) && f != "yubikey" {
			p.fail(fmt.Sprintf("%q is not a factor the page can check; use %s or yubikey", f, strings.Join(UnlockFactorNames, ", ")))
			continue
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// databaseURL checks a PostgreSQL URL without ever repeating it: it carries
// the password.
func (p *parser) databaseURL(v string) DatabaseURL {
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		p.fail("must be a PostgreSQL URL such as postgres://helpdesk:PASSWORD@db.example.com:5432/helpdesk (the value is not repeated here: it may hold a password)")
		return ""
	}
	return DatabaseURL(v)
}

// retention is a duration, or a number of days ("400d"); "" keeps
// everything. Anything under a day is refused: it would delete the trail
// of the day's own work.
func (p *parser) retention(v string) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			p.fail("must be a number of days such as 400d, or a duration such as 2160h")
			return 0
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			p.fail("must be a number of days such as 400d, or a duration such as 2160h")
			return 0
		}
	}
	if d < 24*time.Hour {
		p.fail("must be at least a day (24h or 1d); unset it to keep everything")
		return 0
	}
	return d
}

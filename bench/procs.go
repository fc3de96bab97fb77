package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"onelogin-helpdesk/fakeonelogin"
	proc "onelogin-helpdesk/internal/process"
)

// buildConsole compiles the console into dir and returns the binary's path.
func buildConsole(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "helpdesk")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// consoleProc is the console running as its own process, with proxy
// sign-in trusted from loopback so that the load generator can say who it
// is in headers.
type consoleProc struct {
	*proc.Process
}

// consoleEnv is the console's whole environment: never the caller's
// ONELOGIN_*, which would point the benchmark at a real tenant. upstream
// nil runs the embedded fake tenant with latency lat.
func consoleEnv(dir, name string, upstream *fakeUpstream, lat time.Duration) []string {
	env := []string{
		"HELPDESK_AUTH_MODE=proxy",
		"HELPDESK_TRUSTED_PROXIES=127.0.0.1/32",
		"HELPDESK_AUDIT_DB=" + filepath.Join(dir, "demo-audit-"+name+".db"),
		"HELPDESK_LOG_LEVEL=info",
		"HOME=" + dir,
	}
	if upstream == nil {
		return append(env, "HELPDESK_DEMO=true", "HELPDESK_FAKE_LATENCY="+lat.String(), "HELPDESK_FAKE_RATE_LIMIT=1000000000")
	}
	return append(env,
		"ONELOGIN_URL="+upstream.URL(),
		"ONELOGIN_CLIENT_ID="+upstream.fake.ClientID,
		"ONELOGIN_CLIENT_SECRET="+upstream.fake.ClientSecret,
		"HELPDESK_SESSION_KEYS="+randomHex(32),
		"HELPDESK_ADMIN_GROUPS="+fakeonelogin.GroupAdmins,
		"HELPDESK_HELPDESK_GROUPS="+fakeonelogin.GroupHelpdesk,
		"HELPDESK_VIEWER_GROUPS="+fakeonelogin.GroupViewers,
	)
}

// startConsole starts bin with env on a free loopback port, its log in
// dir, and waits for /healthz.
func startConsole(ctx context.Context, bin, dir, name string, env []string) (*consoleProc, error) {
	addr, err := proc.FreeAddr()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "console-"+name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child has its own copy
	p, err := proc.Start(ctx, proc.Spec{Path: bin, Env: append([]string{"HELPDESK_ADDR=" + addr}, env...),
		Addr: addr, Ready: "/healthz", Log: logf, Stdout: io.Discard})
	if err != nil {
		tail, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("the console: %w\n%s", err, tail)
	}
	return &consoleProc{p}, nil
}

// peakRSS is the process's peak resident set (VmHWM) in bytes.
func (p *consoleProc) peakRSS() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.Pid()))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return vmHWM(f)
}

// cpuTime is the CPU time the process has used, user and system.
func (p *consoleProc) cpuTime() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.Pid()))
	if err != nil {
		return 0, err
	}
	return statCPU(string(b))
}

// statCPU reads utime and stime (fields 14 and 15, in clock ticks of
// 1/100 s, Linux's USER_HZ) from a /proc/<pid>/stat line. The command name
// in parentheses may hold spaces, so fields are counted after its ")".
func statCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("stat line without a command name")
	}
	f := strings.Fields(stat[i+1:]) // f[0] is field 3, the state
	if len(f) < 13 {
		return 0, fmt.Errorf("stat line with %d fields", len(f)+2)
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("stat line: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

// machineCPU is the machine's CPU time from the first line of /proc/stat:
// busy (everything but idle and I/O wait, so time the hypervisor gave to
// other guests, "steal", counts as busy) and total, in clock ticks.
func machineCPU() (busy, total int64, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	return parseMachineCPU(string(b))
}

func parseMachineCPU(stat string) (busy, total int64, err error) {
	line, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0, fmt.Errorf("/proc/stat starts %q, want the cpu line", line)
	}
	var idle int64
	for i, s := range f[1:9] { // user nice system idle iowait irq softirq steal
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/stat: %w", err)
		}
		total += n
		if i == 3 || i == 4 {
			idle += n
		}
	}
	return total - idle, total, nil
}

// vmHWM reads "VmHWM:   12345 kB" from a /proc/<pid>/status.
func vmHWM(r io.Reader) (int64, error) {
	s := bufio.NewScanner(r)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) != 2 || f[1] != "kB" {
				return 0, fmt.Errorf("VmHWM line %q", s.Text())
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmHWM in the status file")
}

// scrape reads the console's /metrics.
func scrape(base string) (metricsText, error) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("/metrics: %s", resp.Status)
	}
	return metricsText(b), err
}

// metricsText is a Prometheus text exposition.
type metricsText string

var sampleRe = regexp.MustCompile(`(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$`)

// sum adds up the samples of name whose labels contain every one of
// labels (like `op="GetUser"`) and none of without.
func (m metricsText) sum(name string, labels, without []string) float64 {
	total := 0.0
	for _, s := range sampleRe.FindAllStringSubmatch(string(m), -1) {
		if s[1] != name {
			continue
		}
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(s[2], l)
		}
		for _, l := range without {
			ok = ok && !strings.Contains(s[2], l)
		}
		if v, err := strconv.ParseFloat(s[3], 64); ok && err == nil {
			total += v
		}
	}
	return total
}

// tokenRequests counts token requests, whatever their outcome.
func (m metricsText) tokenRequests() float64 {
	return m.sum("helpdesk_onelogin_token_fetches_total", nil, nil)
}

// fakeUpstream is a fake tenant served from the benchmark process behind a
// recorder that times every call by the X-Request-Id it carries: the
// upstream side of each console request, measured where it happens.
type fakeUpstream struct {
	fake  *fakeonelogin.Server
	front *httptest.Server
	spans *spanRecorder
}

func startFake(lat time.Duration) *fakeUpstream { return startFakeOf(lat, 0) }

// startFakeOf is startFake with a tenant of users people (0: the fake's
// default).
func startFakeOf(lat time.Duration, users int) *fakeUpstream {
	// The recorder counts what the benchmark needs; the fake's own call
	// record (for tests) is off.
	fake := fakeonelogin.NewServer(fakeonelogin.Options{Seed: 1, Users: users, RateLimitPerHour: 1_000_000_000, MaxCalls: -1})
	fake.Tenant.SetLatency(lat)
	rec := &spanRecorder{next: fake, spans: map[string]span{}}
	return &fakeUpstream{fake: fake, front: httptest.NewServer(rec), spans: rec}
}

// URL is where the fake answers through the recorder.
func (f *fakeUpstream) URL() string { return f.front.URL }

// tokenRequests counts token requests the fake received.
func (f *fakeUpstream) tokenRequests() int {
	f.spans.mu.Lock()
	defer f.spans.mu.Unlock()
	return f.spans.tokens
}

// directoryLists counts the v2 user listings (GET /api/2/users) the fake
// answered: the pages the directory index's sync asked for.
func (f *fakeUpstream) directoryLists() int {
	f.spans.mu.Lock()
	defer f.spans.mu.Unlock()
	return f.spans.v2Lists
}

// lastList is the path and query of the last user listing the fake
// answered (GET /api/1/users), "" before any.
func (f *fakeUpstream) lastList() string {
	f.spans.mu.Lock()
	defer f.spans.mu.Unlock()
	return f.spans.lastList
}

func (f *fakeUpstream) close() {
	f.front.Close()
	f.fake.Close()
}

// span is the upstream part of one request: from the start of its first
// call to the end of its last, and how many calls it made.
type span struct {
	start, end time.Time
	calls      int
}

type spanRecorder struct {
	next     http.Handler
	mu       sync.Mutex
	spans    map[string]span
	tokens   int    // token requests, over the recorder's life
	lastList string // the last GET /api/1/users, path and query
	v2Lists  int    // GET /api/2/users, over the recorder's life
}

func (s *spanRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.next.ServeHTTP(w, r)
	end := time.Now()
	id := r.Header.Get("X-Request-Id")
	s.mu.Lock()
	switch {
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/auth/oauth2/"):
		s.tokens++
	case r.Method == http.MethodGet && r.URL.Path == "/api/1/users":
		s.lastList = r.URL.RequestURI()
	case r.Method == http.MethodGet && r.URL.Path == "/api/2/users":
		s.v2Lists++
	}
	if id == "" {
		s.mu.Unlock()
		return // the token request, made for no request in particular
	}
	sp, ok := s.spans[id]
	if !ok || start.Before(sp.start) {
		sp.start = start
	}
	if end.After(sp.end) {
		sp.end = end
	}
	sp.calls++
	s.spans[id] = sp
	s.mu.Unlock()
}

// take returns and forgets the span of request id.
func (s *spanRecorder) take(id string) (span, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, ok := s.spans[id]
	delete(s.spans, id)
	return sp, ok
}

// reset forgets every span (those of warm-up and cut-off requests).
func (s *spanRecorder) reset() {
	s.mu.Lock()
	s.spans = map[string]span{}
	s.mu.Unlock()
}

// baseline is the reference the console is measured against: a bare
// httputil.ReverseProxy in front of the same kind of fake tenant, adding
// the access token to every request, as the least any proxy to OneLogin
// must do.
type baseline struct {
	upstream *fakeUpstream
	srv      *httptest.Server
}

func startBaseline(lat time.Duration) (*baseline, error) {
	up := startFake(0)
	token, err := fetchToken(up)
	if err != nil {
		up.close()
		return nil, err
	}
	up.fake.Tenant.SetLatency(lat)
	target, _ := url.Parse(up.URL())
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 256
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Header.Set("Authorization", "bearer "+token)
		},
		Transport: t,
	}
	return &baseline{upstream: up, srv: httptest.NewServer(rp)}, nil
}

func (b *baseline) base() string { return b.srv.URL }

func (b *baseline) close() {
	b.srv.Close()
	b.upstream.close()
}

// fetchToken gets an access token through the recorder, which counts it.
func fetchToken(up *fakeUpstream) (string, error) {
	req, _ := http.NewRequest(http.MethodPost, up.URL()+"/auth/oauth2/v2/token", strings.NewReader(`{"grant_type":"client_credentials"}`))
	req.SetBasicAuth(up.fake.ClientID, up.fake.ClientSecret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("token from the fake tenant: %s %v", resp.Status, err)
	}
	return tok.AccessToken, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

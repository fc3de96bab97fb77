//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// One driver and one Chromium serve the whole run (starting them costs about
// a second); every test gets its own browser context, so cookies and storage
// never leak between journeys.
var (
	pw        *playwright.Playwright
	browser   playwright.Browser
	axeSource string
)

// Timeouts for event-driven waits. The machine has two shared cores, so
// they are generous; a passing journey never waits for them.
const (
	actionTimeoutMS = 15_000
	expectTimeoutMS = 10_000
)

// expect asserts on locators and pages, retrying until expectTimeoutMS.
var expect = playwright.NewPlaywrightAssertions(expectTimeoutMS)

const fixDeps = "run `make e2e` (or `make e2e-deps` and then `go test -tags e2e ./e2e/...`): " +
	"it installs Debian's chromium-headless-shell, playwright-core 1.52.0 and axe-core when they are missing"

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

// run sets up the browser, runs the tests, and tears down. A missing driver,
// browser or axe-core fails the run with the fix; it never skips.
func run(m *testing.M) int {
	if err := setup(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: FAIL: %v\nfix: %s\n", err, fixDeps)
		teardown()
		return 1
	}
	code := m.Run()
	teardown()
	return code
}

func setup() error {
	// Defaults match `make e2e-deps`, so `go test -tags e2e ./e2e` works after it.
	cache := filepath.Join("..", ".cache", "e2e")
	driverDir := envOr("PLAYWRIGHT_DRIVER_PATH", cache)
	axePath := envOr("AXE_PATH", filepath.Join(cache, "axe.min.js"))
	chromium := envOr("CHROMIUM", "/usr/bin/chromium-headless-shell")

	// Without PLAYWRIGHT_NODEJS_PATH the library looks for node inside the
	// driver folder, where the npm package has none.
	if os.Getenv("PLAYWRIGHT_NODEJS_PATH") == "" {
		node, err := exec.LookPath("node")
		if err != nil {
			return fmt.Errorf("node is not installed and PLAYWRIGHT_NODEJS_PATH is not set")
		}
		os.Setenv("PLAYWRIGHT_NODEJS_PATH", node)
	}
	if _, err := os.Stat(filepath.Join(driverDir, "package", "cli.js")); err != nil {
		return fmt.Errorf("no playwright driver in %s (want %s/package/cli.js from npm playwright-core@1.52.0)", driverDir, driverDir)
	}
	if _, err := os.Stat(chromium); err != nil {
		return fmt.Errorf("no browser at %s (Debian package chromium-headless-shell)", chromium)
	}
	b, err := os.ReadFile(axePath)
	if err != nil {
		return fmt.Errorf("no axe-core at %s: %w", axePath, err)
	}
	axeSource = string(b)

	pw, err = playwright.Run(&playwright.RunOptions{
		DriverDirectory:     driverDir,
		SkipInstallBrowsers: true,
		Verbose:             false,
	})
	if err != nil {
		return fmt.Errorf("start playwright driver from %s: %w", driverDir, err)
	}
	browser, err = pw.Chromium.Launch(playwright.BrowserTypeLaunchOptions{
		ExecutablePath: playwright.String(chromium),
		Headless:       playwright.Bool(true),
		// --no-sandbox because CI runs as root; the rest keep Chromium from
		// calling hosts this network refuses (see ../shared/e2e-browser.md).
		Args: []string{
			"--no-sandbox", "--disable-gpu", "--disable-background-networking",
			"--disable-component-update", "--disable-sync", "--no-first-run",
		},
	})
	if err != nil {
		return fmt.Errorf("launch %s: %w", chromium, err)
	}
	return nil
}

func teardown() {
	if browser != nil {
		browser.Close()
	}
	if pw != nil {
		pw.Stop()
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// newPage opens a fresh browser context and page for t. When t failed, at
// cleanup it saves a screenshot of the page's end state to
// e2e/screenshots/<TestName>[-label].png and prints the path with what the
// browser reported. A script error or a Content-Security-Policy violation
// fails t: the console must run clean under its own policy.
func newPage(t *testing.T, label string, opts ...contextOption) playwright.Page {
	t.Helper()
	page, log := openPage(t, label, opts...)
	// Registered after openPage's clean-ups, so it runs before them and the
	// screenshot and log are printed when it fails.
	t.Cleanup(func() {
		if bad := log.problems(); len(bad) > 0 {
			t.Errorf("the browser reported script errors or CSP violations:\n  %s", strings.Join(bad, "\n  "))
		}
	})
	return page
}

// openPage is newPage without the check on the browser's log, for tests
// of the harness itself.
func openPage(t *testing.T, label string, opts ...contextOption) (playwright.Page, *browserLog) {
	t.Helper()
	options := playwright.BrowserNewContextOptions{
		// The CSP stays enforced: a console that breaks under its own policy
		// must fail here. axe is injected through evaluate, which CSP allows.
		BypassCSP:  playwright.Bool(false),
		Viewport:   &playwright.Size{Width: 1280, Height: 900},
		Locale:     playwright.String("en-GB"),
		TimezoneId: playwright.String("UTC"),
		// Clipboard access for the copy buttons of one-time secrets.
		Permissions: []string{"clipboard-read", "clipboard-write"},
	}
	for _, o := range opts {
		o(&options)
	}
	bctx, err := browser.NewContext(options)
	if err != nil {
		t.Fatalf("new browser context: %v", err)
	}
	bctx.SetDefaultTimeout(actionTimeoutMS)
	bctx.SetDefaultNavigationTimeout(actionTimeoutMS)
	t.Cleanup(func() { bctx.Close() })

	page, err := bctx.NewPage()
	if err != nil {
		t.Fatalf("new page: %v", err)
	}

	log := &browserLog{}
	page.OnConsole(func(m playwright.ConsoleMessage) {
		if m.Type() == "error" || m.Type() == "warning" {
			log.add(fmt.Sprintf("console %s: %s", m.Type(), m.Text()))
		}
	})
	page.OnPageError(func(err error) { log.add("page error: " + err.Error()) })
	page.OnResponse(func(r playwright.Response) {
		if r.Status() >= 400 {
			log.add(fmt.Sprintf("response %d: %s %s", r.Status(), r.Request().Method(), r.URL()))
		}
	})
	page.OnRequestFailed(func(r playwright.Request) {
		log.add(fmt.Sprintf("request failed: %s %s: %v", r.Method(), r.URL(), r.Failure()))
	})

	name := screenshotName(t.Name(), label)
	t.Cleanup(func() {
		// Only a failure is worth the picture: a full-page screenshot costs
		// the browser more than many a journey's steps.
		if !t.Failed() {
			return
		}
		path := filepath.Join("screenshots", name)
		_ = os.MkdirAll("screenshots", 0o755)
		_, shotErr := page.Screenshot(playwright.PageScreenshotOptions{Path: playwright.String(path), FullPage: playwright.Bool(true)})
		abs, _ := filepath.Abs(path)
		if shotErr != nil {
			t.Logf("screenshot failed: %v", shotErr)
		} else {
			t.Logf("screenshot of the end state: %s", abs)
		}
		t.Logf("page URL at the end: %s", page.URL())
		for _, l := range log.all() {
			t.Logf("browser: %s", l)
		}
	})
	return page, log
}

// contextOption changes how a test's browser context is set up.
type contextOption func(*playwright.BrowserNewContextOptions)

// darkMode makes the page prefer the dark colour scheme.
func darkMode(o *playwright.BrowserNewContextOptions) { o.ColorScheme = playwright.ColorSchemeDark }

// browserLog collects what the browser reports about a page.
type browserLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *browserLog) add(s string) {
	l.mu.Lock()
	l.lines = append(l.lines, s)
	l.mu.Unlock()
}

func (l *browserLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// problems are the uncaught script errors and CSP violations. Failed loads
// are not: the journeys provoke 403s and 502s on purpose.
func (l *browserLog) problems() []string {
	var out []string
	for _, s := range l.all() {
		if strings.HasPrefix(s, "page error: ") || strings.Contains(s, "Content Security Policy") {
			out = append(out, s)
		}
	}
	return out
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

func screenshotName(test, label string) string {
	n := unsafeName.ReplaceAllString(test, "_")
	if label != "" {
		n += "-" + unsafeName.ReplaceAllString(label, "_")
	}
	return n + ".png"
}

// axeViolation is one failed axe rule with the elements that fail it.
type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target  string `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

// axeViolations runs axe-core on the page as it is now. The source goes in
// through page.Evaluate rather than AddScriptTag: AddScriptTag inserts an
// inline <script>, which the console's strict CSP (rightly) blocks, and
// bypassing CSP for the whole context would hide CSP breakage from every
// journey. DevTools evaluation is not subject to the page's CSP.
func axeViolations(page playwright.Page) ([]axeViolation, error) {
	if _, err := page.Evaluate(axeSource); err != nil {
		return nil, fmt.Errorf("inject axe-core: %w", err)
	}
	out, err := page.Evaluate(`async () => {
		const r = await axe.run(document, { resultTypes: ["violations"] });
		return JSON.stringify(r.violations.map(v => ({
			id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
			nodes: v.nodes.map(n => ({ target: n.target.join(" "), html: n.html, summary: n.failureSummary })),
		})));
	}`)
	if err != nil {
		return nil, fmt.Errorf("run axe-core: %w", err)
	}
	s, ok := out.(string)
	if !ok {
		return nil, fmt.Errorf("axe-core returned %T, want a JSON string", out)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(s), &vs); err != nil {
		return nil, fmt.Errorf("decode axe-core result: %w", err)
	}
	return vs, nil
}

// seriousOrWorse keeps the violations that block or seriously hinder people.
func seriousOrWorse(vs []axeViolation) []axeViolation {
	var out []axeViolation
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			out = append(out, v)
		}
	}
	return out
}

// formatViolations prints violations so a person can find and fix each one.
func formatViolations(vs []axeViolation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "\n  [%s] %s: %s (%s)", v.Impact, v.ID, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n      at %s\n        %s\n        %s", n.Target, n.HTML,
				strings.ReplaceAll(n.Summary, "\n", "\n        "))
		}
	}
	return b.String()
}

// assertAccessible fails t when axe-core finds serious or critical problems
// on the page as it is now.
func assertAccessible(t *testing.T, page playwright.Page, where string) {
	t.Helper()
	vs, err := axeViolations(page)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	if bad := seriousOrWorse(vs); len(bad) > 0 {
		t.Errorf("%s (%s): %d serious or critical accessibility violations:%s", where, page.URL(), len(bad), formatViolations(bad))
	}
}

// must fails t at once on an error from a browser step.
func must(t *testing.T, err error, what string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(what, args...), err)
	}
}

// confirms accepts every confirmation dialog a page opens (htmx's
// hx-confirm) and keeps the questions, so a journey can check that a
// destructive action asked first and named the person.
type confirms struct {
	mu        sync.Mutex
	questions []string
}

func acceptConfirms(page playwright.Page) *confirms {
	c := &confirms{}
	page.OnDialog(func(d playwright.Dialog) {
		c.mu.Lock()
		c.questions = append(c.questions, d.Message())
		c.mu.Unlock()
		_ = d.Accept()
	})
	return c
}

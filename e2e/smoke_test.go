//go:build e2e

package e2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// The harness itself, without the console: when these fail, the browser
// set-up is broken, not the console.

// strictCSP is as strict as the console's policy: no inline script or style.
const strictCSP = "default-src 'self'; script-src 'self'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'"

func harnessServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", strictCSP)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(`<!DOCTYPE html><html lang="en"><head><title>Harness</title>` +
				`<script src="/app.js" defer></script></head><body><main>` + body + `</main></body></html>`))
		}
	}
	mux.HandleFunc("/", page(`<h1>Harness</h1><button type="button" id="go">Go</button><p id="out">idle</p>`+
		`<img src="/x.png" alt="A grey square">`))
	// An image without alt text is a critical axe violation (image-alt).
	mux.HandleFunc("/bad", page(`<h1>Bad</h1><img src="/x.png">`))
	// An inline script breaks the CSP; /throw.js throws.
	mux.HandleFunc("/unsafe", page(`<h1>Unsafe</h1><script>document.title = "ran"</script><script src="/throw.js"></script>`))
	mux.HandleFunc("/throw.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write([]byte(`throw new Error("boom from throw.js");`))
	})
	mux.HandleFunc("/app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write([]byte(`document.getElementById("go")?.addEventListener("click", () => {
			document.getElementById("out").textContent = "clicked";
		});`))
	})
	mux.HandleFunc("/x.png", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestHarness_clickUnderStrictCSP(t *testing.T) {
	t.Parallel()
	srv := harnessServer(t)
	page := newPage(t, "")
	_, err := page.Goto(srv.URL + "/")
	must(t, err, "open harness page")
	must(t, page.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Go"}).Click(), "click Go")
	must(t, expect.Locator(page.Locator("#out")).ToHaveText("clicked"), "text after the click")
	assertAccessible(t, page, "harness page")
}

func TestHarness_axeFindsViolationsUnderStrictCSP(t *testing.T) {
	t.Parallel()
	srv := harnessServer(t)
	page := newPage(t, "")
	_, err := page.Goto(srv.URL + "/bad")
	must(t, err, "open bad page")
	vs, err := axeViolations(page)
	if err != nil {
		t.Fatal(err)
	}
	bad := seriousOrWorse(vs)
	var ids []string
	for _, v := range bad {
		ids = append(ids, v.ID)
	}
	if !strings.Contains(strings.Join(ids, ","), "image-alt") {
		t.Fatalf("axe missed the image without alt text; serious or critical found: %v", ids)
	}
	if got := formatViolations(bad); !strings.Contains(got, "image-alt") || !strings.Contains(got, `<img src="/x.png">`) {
		t.Errorf("formatted violations do not name the rule and the element:%s", got)
	}
}

func TestHarness_reportsCSPViolationsAndScriptErrors(t *testing.T) {
	t.Parallel()
	srv := harnessServer(t)
	page, log := openPage(t, "")
	// Wait for the page error, which comes after the CSP report in page order.
	_, err := page.ExpectEvent("pageerror", func() error {
		_, err := page.Goto(srv.URL + "/unsafe")
		return err
	})
	must(t, err, "open a page that breaks its CSP and throws")
	got := strings.Join(log.problems(), "\n")
	if !strings.Contains(got, "Content Security Policy") {
		t.Errorf("the inline script's CSP violation was not reported; problems:\n%s", got)
	}
	if !strings.Contains(got, "boom from throw.js") {
		t.Errorf("the script error was not reported; problems:\n%s", got)
	}
	if title, _ := page.Title(); title == "ran" {
		t.Error("the inline script ran: the CSP was not enforced")
	}
}

package handlers_test

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden with what the pages render now")

// TestGolden_pages compares the HTML of the two pages staff spend their
// time on with testdata/golden: the search results as htmx swaps them in,
// and the page of a person who cannot sign in. The tenant is seeded with a
// fixed seed at a fixed time on a clock that does not move, pages show
// times in a fixed zone, and values that differ from run to run are
// replaced by placeholders. After a deliberate change to a page, review
// the difference and rewrite the files:
//
//	go test ./handlers -run TestGolden -update
func TestGolden_pages(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, inProcess(), withConfig(func(cfg *handlers.Config) {
		cfg.Location = time.FixedZone("CET", 60*60)
	}))
	cases := []struct {
		name     string
		target   string
		hxTarget string // "" for a full page
	}{
		{"search-results", "/users?q=mar", "search-results"},
		{"user-page-locked", "/users/" + id(fakeonelogin.PersonaLockedID), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := c.get(tc.target)
			if tc.hxTarget != "" {
				rec = c.getHX(tc.target, tc.hxTarget)
			}
			wantStatus(t, rec, 200)
			golden(t, filepath.Join("testdata", "golden", tc.name+".html"), normalise(rec.Body.String()))
		})
	}
}

// volatile are the values that differ between runs or builds, with what
// replaces them.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(name="csrf_token" value=")[^"]*`), "${1}CSRF-TOKEN"},
	{regexp.MustCompile(`(X-CSRF-Token&#34;:&#34;)[^&]*`), "${1}CSRF-TOKEN"},
	{regexp.MustCompile(`(Reference: <code>)[^<]*`), "${1}REQUEST-ID"},
	{regexp.MustCompile(`(127\.0\.0\.1|localhost):[0-9]+`), "${1}:PORT"},
	// Static files are named for their content: a stylesheet change is not
	// a change to the page.
	{regexp.MustCompile(`(/static/[^"]+\.)[0-9a-f]{10}(\.[a-z]+")`), "${1}HASH${2}"},
}

// normalise replaces the volatile values and puts each tag on a line of
// its own, so that a change to a page shows in a diff as the lines it
// touches.
func normalise(html string) string {
	for _, v := range volatile {
		html = v.re.ReplaceAllString(html, v.with)
	}
	return strings.ReplaceAll(html, "><", ">\n<")
}

// golden compares got with the file at path, or rewrites the file with
// -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if got == string(want) {
		return
	}
	gotLines, wantLines := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := range max(len(gotLines), len(wantLines)) {
		var g, w string
		if i < len(gotLines) {
			g = gotLines[i]
		}
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if g != w {
			t.Fatalf("%s differs from the page at line %d (run with -update to accept the page, then review the diff):\n want: %.300s\n  got: %.300s",
				path, i+1, w, g)
		}
	}
}

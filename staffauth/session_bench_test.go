package staffauth

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/sessions/sessionstest"
)

// BenchmarkSessionRead is what every signed-in request pays to read its
// session cookie and look the session up (in the in-memory store).
func BenchmarkSessionRead(b *testing.B) {
	a, err := New(demoConfig(), nil, WithSessionStore(sessionstest.NewMemory()))
	if err != nil {
		b.Fatal(err)
	}
	e := echo.New()
	rec := httptest.NewRecorder()
	c := e.NewContext(httptest.NewRequest("GET", "/", nil), rec)
	if err := a.signIn(c, "tomas.herrera@example.com", "Tomás Herrera", []string{"Service Desk", "Employees"}, access.RoleHelpdesk); err != nil {
		b.Fatal(err)
	}
	a.saveCookie(c, a.session(c).cookie)
	ck := cookieNamed(rec.Result(), sessionCookie)
	if ck == nil {
		b.Fatal("no cookie")
	}
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", "/", nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: ck.Value})
		c := e.NewContext(req, httptest.NewRecorder())
		if s := a.session(c); !s.live {
			b.Fatal("session not read")
		}
	}
}

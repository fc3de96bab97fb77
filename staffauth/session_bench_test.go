package staffauth

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
)

// BenchmarkSessionRead is what every signed-in request pays to read its
// session cookie.
func BenchmarkSessionRead(b *testing.B) {
	a, err := New(demoConfig(), nil)
	if err != nil {
		b.Fatal(err)
	}
	e := echo.New()
	rec := httptest.NewRecorder()
	c := e.NewContext(httptest.NewRequest("GET", "/", nil), rec)
	a.signIn(c, "tomas.herrera@example.com", "Tomás Herrera", []string{"Service Desk", "Employees"}, access.RoleHelpdesk)
	a.saveSession(c, a.session(c).data)
	ck := cookieNamed(rec.Result(), sessionCookie)
	if ck == nil {
		b.Fatal("no cookie")
	}
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", "/", nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: ck.Value})
		c := e.NewContext(req, httptest.NewRecorder())
		if s := a.session(c); s.data.Email == "" {
			b.Fatal("session not read")
		}
	}
}

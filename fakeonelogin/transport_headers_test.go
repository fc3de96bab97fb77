package fakeonelogin

import (
	"net/http"
	"testing"
)

// TestTransport_headersReadAsOffTheWire: the rate-limit headers the tenant
// writes in lower case are found by their canonical names in process, as
// they are over the wire, so a client on the in-process transport (the
// demo) knows its quota.
func TestTransport_headersReadAsOffTheWire(t *testing.T) {
	f := newFixture(t, Options{Seed: 4, Users: 5, RateLimitPerHour: 300})
	for name, hc := range map[string]*http.Client{"wire": http.DefaultClient, "in process": {Transport: f.srv.Transport()}} {
		req, _ := http.NewRequest("GET", f.srv.URL+userPath(PersonaAdminID, ""), nil)
		req.Header.Set("Authorization", "bearer "+f.token)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("X-RateLimit-Limit") != "300" || resp.Header.Get("X-RateLimit-Remaining") == "" || resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("%s: headers %v", name, resp.Header)
		}
	}
}

package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"onelogin-helpdesk/fakeonelogin"
)

// Contract tests for what is not one resource: roles listing, the rate
// limit, faults, token lifetime, scope, credentials and request headers.

func TestRoles_All_pages(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	want := srv.Tenant.Roles()
	var got []fakeonelogin.RoleInfo
	for r, err := range c.AllRoles(t.Context(), ListRolesQuery{Limit: 5}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fakeonelogin.RoleInfo{ID: r.ID, Name: r.Name})
	}
	if !slices.Equal(got, want) {
		t.Errorf("roles\n got %v\nwant %v", got, want)
	}
}

func TestRoles_List_byName(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{})
	one, _, err := c.ListRoles(t.Context(), ListRolesQuery{Name: fakeonelogin.GroupHelpdesk})
	if err != nil || len(one) != 1 || one[0].ID != fakeonelogin.RoleIDHelpdesk {
		t.Errorf("by name: %v %v", one, err)
	}
}

func TestRateLimit_fake_headersAndStatusAgree(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{RateLimitPerHour: 100})
	if _, err := c.GetUser(t.Context(), fakeonelogin.PersonaAdminID); err != nil {
		t.Fatal(err)
	}
	rl := c.RateLimit()
	if rl.Limit != 100 || rl.Remaining != 99 || rl.Reset <= 0 || rl.Reset > time.Hour {
		t.Errorf("from headers: %+v", rl)
	}
	st, err := c.RateLimitStatus(t.Context())
	if err != nil || st.Limit != 100 || st.Remaining != 99 {
		t.Errorf("status %+v %v", st, err)
	}
}

func TestRateLimit_fake_quotaExhaustedRetriedOnceThenError(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	srv.Tenant.SpendRateLimit()
	srv.Tenant.ResetCalls()
	_, err := c.GetUser(t.Context(), fakeonelogin.PersonaAdminID)
	var rle *RateLimitError
	if !errors.As(err, &rle) || rle.RetryAfter <= 0 || rle.Err.Message != "Rate Limit Exceeded" {
		t.Fatalf("err = %v", err)
	}
	if n := srv.Tenant.CallCount("GET", "/api/1/users/"); n != 2 {
		t.Errorf("calls = %d, want one retry", n)
	}
	if c.RateLimit().Remaining != 0 {
		t.Errorf("RateLimit = %+v", c.RateLimit())
	}
}

func TestRateLimit_fake_one429RetriedForGETAndPUT(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	srv.Tenant.FailNext(1, http.StatusTooManyRequests)
	if _, err := c.GetUser(t.Context(), fakeonelogin.PersonaAdminID); err != nil {
		t.Errorf("GET: %v", err)
	}
	srv.Tenant.FailNext(1, http.StatusTooManyRequests)
	if err := c.LogoutUser(t.Context(), fakeonelogin.PersonaAdminID); err != nil {
		t.Errorf("PUT: %v", err)
	}
}

func TestRateLimit_fake_creatingPOSTsNotRetried(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	ctx := t.Context()
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Tenant.ResetCalls()
	srv.Tenant.FailNext(1, http.StatusTooManyRequests)
	_, err := c.GenerateMFAToken(ctx, fakeonelogin.PersonaEmployeeID, time.Hour, false)
	if !errors.Is(err, ErrRateLimited) {
		t.Errorf("MFA: %v", err)
	}
	srv.Tenant.FailNext(1, http.StatusTooManyRequests)
	_, err = c.CreateUser(ctx, UserCreate{Firstname: "A", Lastname: "B", Email: "ab@example.com"})
	if !errors.Is(err, ErrRateLimited) {
		t.Errorf("create: %v", err)
	}
	if n := srv.Tenant.CallCount("POST", "/api/1/users"); n != 2 {
		t.Errorf("POST calls = %d, want 2 (no retries)", n)
	}
	if srv.Tenant.ActiveMFATokens(fakeonelogin.PersonaEmployeeID) != 0 {
		t.Error("a token was minted")
	}
	if _, ok := srv.Tenant.FindByEmail("ab@example.com"); ok {
		t.Error("a user was created")
	}
}

func TestFaults_5xxIsUnavailableNotRetried(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	if err := c.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv.Tenant.ResetCalls()
	srv.Tenant.FailNext(1, http.StatusInternalServerError)
	_, err := c.GetUser(t.Context(), fakeonelogin.PersonaAdminID)
	wantErr(t, err, ErrUnavailable, "Internal Server Error", "")
	if g := srv.Tenant.CallCount("GET", "/api/1/users/"); g != 1 {
		t.Errorf("GET calls = %d, want 1", g)
	}
}

func TestFaults_droppedConnectionIsUnavailableNotRetried(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	if err := c.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv.Tenant.ResetCalls()
	// A PUT with a body: net/http itself replays a bodiless GET whose
	// reused connection dies, so that would hide the drop.
	srv.Tenant.DropNext(1)
	err := c.LockUser(t.Context(), fakeonelogin.PersonaAdminID, 0)
	var te *TransportError
	if !errors.As(err, &te) || !errors.Is(err, ErrUnavailable) {
		t.Errorf("dropped connection: %v", err)
	}
	if p := srv.Tenant.CallCount("PUT", "/api/1/users/"); p != 1 {
		t.Errorf("PUT calls = %d, want 1", p)
	}
}

func TestFaults_slowTenantHitsRequestTimeout(t *testing.T) {
	srv, _ := newFake(t, fakeonelogin.Options{})
	// The timeout leaves the token fetch before the slow part room on a
	// busy machine; the tenant's latency is ten times the timeout.
	c, err := New(srv.URL, srv.ClientID, srv.ClientSecret, WithTimeout(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv.Tenant.SetLatency(5 * time.Second)
	start := time.Now()
	_, err = c.GetUser(t.Context(), fakeonelogin.PersonaAdminID)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrUnavailable) {
		t.Errorf("err = %v", err)
	}
	if d := time.Since(start); d > 2500*time.Millisecond {
		t.Errorf("took %v, want about the 500ms timeout, far from the 5s latency", d)
	}
}

func TestToken_fake_expiredRefreshedOnceForConcurrentCallers(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	if _, err := c.GetUser(t.Context(), fakeonelogin.PersonaAdminID); err != nil {
		t.Fatal(err)
	}
	srv.Tenant.ExpireAllTokens()
	srv.Tenant.ResetCalls()
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if _, err := c.GetUser(t.Context(), fakeonelogin.PersonaAdminID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := srv.Tenant.CallCount("POST", "/auth/oauth2/v2/token"); n != 1 {
		t.Errorf("token calls = %d, want 1", n)
	}
}

func TestToken_fake_expiredV2UnlockRefreshes(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	if _, err := c.GetUser(t.Context(), fakeonelogin.PersonaAdminID); err != nil {
		t.Fatal(err)
	}
	// The v2 unlock answers an expired token in v2 style; same cure.
	srv.Tenant.ExpireAllTokens()
	if err := c.UnlockUser(t.Context(), fakeonelogin.PersonaLockedID); err != nil {
		t.Errorf("unlock after expiry: %v", err)
	}
}

// OneLogin's clock passing the lifetime while the client's does not (the
// client was asleep, or its clock is behind): the 401 costs one retry.
func TestToken_fake_tenantClockPassesLifetime(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{TokenLifetime: time.Hour})
	c.now = time.Now // the client does not see the tenant's clock jump
	if _, err := c.GetUser(t.Context(), fakeonelogin.PersonaAdminID); err != nil {
		t.Fatal(err)
	}
	srv.Tenant.AdvanceClock(2 * time.Hour)
	srv.Tenant.ResetCalls()
	if _, err := c.GetUser(t.Context(), fakeonelogin.PersonaAdminID); err != nil {
		t.Fatal(err)
	}
	if n := srv.Tenant.CallCount("", "/api/1/users/"); n != 2 {
		t.Errorf("resource calls = %d, want 401 + retry", n)
	}
}

// The security finding: OneLogin hands a token out again with its original
// created_at and expires_in 36000. Re-fetched thirty seconds before its end,
// it must still be dropped at its end, not ten hours later.
func TestToken_fake_reissuedTokenNotUsedPastExpiry(t *testing.T) {
	clock := fixedClock()
	srv, c := newFake(t, fakeonelogin.Options{Clock: clock})
	for _, step := range []time.Duration{0, 10*time.Hour - 30*time.Second, time.Minute} {
		clock.Advance(step)
		if _, err := c.GetUser(t.Context(), fakeonelogin.PersonaAdminID); err != nil {
			t.Fatal(err)
		}
	}
	for _, call := range srv.Tenant.Calls() {
		if call.Status == http.StatusUnauthorized {
			t.Errorf("%s %s answered 401: a token was sent after it expired", call.Method, call.Path)
		}
	}
	if n := srv.Tenant.CallCount("POST", "/auth/oauth2/v2/token"); n != 3 {
		t.Errorf("token calls = %d, want 3 (issue, re-issue near the end, new token)", n)
	}
}

// Walking the clock through three token lifetimes, a call every 9m59s (so
// that calls fall into the last minute of a token, where the client asks
// again and gets the same token back), no request goes out with an expired
// token.
func TestToken_fake_neverSentExpired(t *testing.T) {
	clock := fixedClock()
	srv, c := newFake(t, fakeonelogin.Options{Clock: clock})
	const step = 9*time.Minute + 59*time.Second
	for elapsed := time.Duration(0); elapsed < 30*time.Hour; elapsed += step {
		if _, err := c.GetUser(t.Context(), fakeonelogin.PersonaAdminID); err != nil {
			t.Fatal(err)
		}
		clock.Advance(step)
	}
	for _, call := range srv.Tenant.Calls() {
		if call.Status == http.StatusUnauthorized {
			t.Fatalf("%s %s at %v answered 401: a token was sent after it expired", call.Method, call.Path, call.Time)
		}
	}
	if n := srv.Tenant.CallCount("POST", "/auth/oauth2/v2/token"); n < 3 || n > 9 {
		t.Errorf("token calls = %d, want one or two per lifetime", n)
	}
}

func TestScope_insufficientNotRetried(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{Scope: fakeonelogin.ScopeReadUsers})
	if err := c.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv.Tenant.ResetCalls()
	err := c.AddRoles(t.Context(), fakeonelogin.PersonaNoRolesID, []int64{fakeonelogin.RoleIDEmployees})
	wantErr(t, err, ErrUnauthorized, "Insufficient Permission", "")
	if n := len(srv.Tenant.Calls()); n != 1 {
		t.Errorf("calls = %d, want 1", n)
	}
}

func TestCredentials_badSecretRefusedAndNeverShown(t *testing.T) {
	srv, _ := newFake(t, fakeonelogin.Options{})
	bad, err := New(srv.URL, srv.ClientID, "wrong-"+srv.ClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	err = bad.Ping(t.Context())
	wantErr(t, err, ErrUnauthorized, "Authentication Failure", "")
	_, err = bad.GetUser(t.Context(), fakeonelogin.PersonaAdminID)
	wantErr(t, err, ErrUnauthorized, "Authentication Failure", "")
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", bad), fmt.Sprint(bad)} {
		if strings.Contains(s, srv.ClientSecret) {
			t.Errorf("secret shown: %s", s)
		}
	}
}

func TestToken_fake_429ThenRecovers(t *testing.T) {
	srv, _ := newFake(t, fakeonelogin.Options{})
	srv.Tenant.FailNextToken(1, http.StatusTooManyRequests)
	good, _ := New(srv.URL, srv.ClientID, srv.ClientSecret)
	if err := good.Ping(t.Context()); !errors.Is(err, ErrRateLimited) {
		t.Errorf("token 429: %v", err)
	}
	if err := good.Ping(t.Context()); err != nil {
		t.Errorf("after the token 429: %v", err)
	}
}

func TestHeaders_requestIDUserAgentAndBearerReachTenant(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	if _, err := c.GetUser(WithRequestID(t.Context(), "req-77"), fakeonelogin.PersonaAdminID); err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, call := range srv.Tenant.Calls() {
		if call.Path == fmt.Sprintf("/api/1/users/%d", fakeonelogin.PersonaAdminID) {
			found = true
			if call.Header.Get("X-Request-Id") != "req-77" || call.Header.Get("User-Agent") != "onelogin-helpdesk" ||
				!strings.HasPrefix(call.Header.Get("Authorization"), "bearer ") {
				t.Errorf("headers %v", call.Header)
			}
		}
	}
	if !found {
		t.Error("call not recorded")
	}
}

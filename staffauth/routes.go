package staffauth

import (
	"log/slog"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/config"
)

// Routes registers the sign-in routes on e, each behind SecurityHeaders
// and CSRF (so the demo sign-in and sign-out forms are protected too):
//
//	GET  /auth/login       oidc: redirect to the provider; demo: the persona switcher; proxy: back to /
//	GET  /auth/callback    oidc: the provider's return
//	POST /auth/demo        demo: sign in as a persona
//	POST /auth/logout      end the session
//	GET  /auth/signed-out  the page after signing out
func (a *Auth) Routes(e *echo.Echo) {
	g := e.Group("/auth", a.SecurityHeaders(), a.CSRF(), noStore)
	g.GET("/login", a.login)
	g.POST("/logout", a.logout)
	g.GET("/signed-out", a.signedOut)
	switch a.cfg.Auth.Mode {
	case config.ModeOIDC:
		g.GET("/callback", a.oidcCallback)
	case config.ModeDemo:
		g.POST("/demo", a.demoSignIn)
	}
}

// noStore keeps sign-in pages, which carry CSRF tokens, out of caches.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

func (a *Auth) login(c echo.Context) error {
	switch a.cfg.Auth.Mode {
	case config.ModeOIDC:
		return a.oidcLogin(c)
	case config.ModeDemo:
		views := make([]personaView, 0, len(a.cfg.DemoPersonas))
		for _, p := range a.cfg.DemoPersonas {
			views = append(views, personaView{Key: p.Key, Name: p.Name, Email: p.Email, Role: a.personaRole(p).String()})
		}
		return render(c, http.StatusOK, authPage("Sign in", a.cfg.DemoTenant, a.cfg.UnlockURL,
			demoChooser(views, CSRFToken(c.Request().Context()), localPath(c.QueryParam("next")))))
	}
	// In proxy mode the proxy signs people in before they reach us.
	return c.Redirect(http.StatusFound, "/")
}

// personaByEmail finds a demo persona by the email a session holds.
func (a *Auth) personaByEmail(email string) (Persona, bool) {
	for _, p := range a.cfg.DemoPersonas {
		if access.SameEmail(p.Email, email) {
			return p, true
		}
	}
	return Persona{}, false
}

func (a *Auth) personaRole(p Persona) access.Role {
	if p.Role != 0 {
		return p.Role
	}
	return a.groups.RoleFor(p.Groups)
}

func (a *Auth) demoSignIn(c echo.Context) error {
	p, ok := a.personas[c.FormValue("persona")]
	if !ok {
		return a.problem(c, http.StatusBadRequest, "Unknown persona", "Pick one of the personas listed.")
	}
	role := a.personaRole(p)
	if err := a.signIn(c, p.Email, p.Name, p.Groups, role); err != nil {
		return errStoreUnavailable
	}
	a.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "signed in", slog.String("email", p.Email),
		slog.String("role", role.String()), slog.String("mode", string(config.ModeDemo)))
	return c.Redirect(http.StatusSeeOther, localPath(c.FormValue("next")))
}

// logout ends the session on every replica. Behind a proxy the proxy's own
// session would sign the person straight back in, so the browser goes on
// to the proxy's sign-out when one is configured.
func (a *Auth) logout(c echo.Context) error {
	if s := a.session(c); s.live {
		a.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "signed out", slog.String("email", s.s.Email))
	}
	a.signOut(c)
	if a.cfg.Auth.Mode == config.ModeProxy && a.cfg.Auth.Proxy.SignOutURL != "" {
		return c.Redirect(http.StatusSeeOther, a.cfg.Auth.Proxy.SignOutURL)
	}
	return c.Redirect(http.StatusSeeOther, signedOutPath)
}

func (a *Auth) signedOut(c echo.Context) error {
	return render(c, http.StatusOK, authPage("Signed out", a.cfg.DemoTenant, a.cfg.UnlockURL, signedOutBody(loginPath)))
}

// problem renders a sign-in failure with a safe message; the detail has
// been logged by the caller.
func (a *Auth) problem(c echo.Context, status int, heading, message string) error {
	return render(c, status, authPage(heading, a.cfg.DemoTenant, a.cfg.UnlockURL, problemBody(message, loginPath)))
}

func render(c echo.Context, status int, comp templ.Component) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return comp.Render(c.Request().Context(), c.Response())
}

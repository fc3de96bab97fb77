package handlers

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/static"
)

// routes is the whole URL surface of the console in one screen. URLs are
// part of the product: people paste them into tickets.
func (h *Handler) routes(e *echo.Echo, cfg Config) {
	e.Pre(middleware.RemoveTrailingSlash())
	e.Use(middleware.Recover())
	e.Use(h.requestID)
	e.Use(h.accessLog)

	// Assets and routes owned by other packages come before identity, so
	// that sign-in pages, probes and CSS work for a signed-out browser.
	e.GET(static.Prefix+"*", echo.WrapHandler(static.Handler()))
	if cfg.Register != nil {
		cfg.Register(e)
	}

	// The public unlock page is for people who cannot sign in: it has the
	// security headers and CSRF of every page, and no sign-in.
	if h.public != nil {
		pub := e.Group("/unlock", append(cfg.UnlockPage.Middleware, h.plainText)...)
		pub.GET("", h.unlockForm)
		pub.POST("", h.unlockLookup)
		pub.POST("/factor", h.unlockFactor)
		pub.POST("/code", h.unlockCode)
		pub.POST("/push", h.unlockPush)
	}

	app := e.Group("", append(cfg.Middleware, h.plainText, h.chargeTo)...)
	app.GET("/", h.home)

	app.GET("/users", h.list, h.require(access.Search))
	app.GET("/users/new", h.newUser, h.require(access.CreateUser))
	app.POST("/users", h.create, h.require(access.CreateUser))
	app.GET("/users/:id", h.show, h.require(access.ViewUser))
	app.GET("/users/:id/activity", h.activity, h.require(access.ViewUser))
	app.GET("/users/:id/name", h.name, h.require(access.ViewUser))
	app.GET("/users/:id/edit", h.edit, h.require(access.UpdateUser))
	app.POST("/users/:id", h.update, h.require(access.UpdateUser))

	// Each action: GET shows its panel (loaded into the person's page on
	// demand), POST takes it.
	app.POST("/users/:id/unlock", h.unlock, h.require(access.Unlock))
	app.GET("/users/:id/lock", h.openPanel(lockPanel), h.require(access.Lock))
	app.POST("/users/:id/lock", h.lock, h.require(access.Lock))
	app.GET("/users/:id/logout", h.openPanel(sessionPanel), h.require(access.Logout))
	app.POST("/users/:id/logout", h.logout, h.require(access.Logout))
	app.GET("/users/:id/password", h.openPanel(passwordPanel), h.require(access.ResetPassword))
	app.POST("/users/:id/password", h.resetPassword, h.require(access.ResetPassword))
	app.POST("/users/:id/password-hash", h.importPasswordHash, h.require(access.ImportPasswordHash))
	app.GET("/users/:id/invite", h.openPanel(invitePanel), h.require(access.InviteLink))
	app.POST("/users/:id/invite", h.invite, h.require(access.InviteLink))
	app.GET("/users/:id/state", h.openPanel(statePanel), h.require(access.SetState))
	app.POST("/users/:id/state", h.setState, h.require(access.SetState))
	app.GET("/users/:id/mfa-token", h.openPanel(mfaPanel), h.require(access.MFAToken))
	app.POST("/users/:id/mfa-token", h.mfaToken, h.require(access.MFAToken))
	app.GET("/users/:id/roles", h.openPanel(rolesPanel), h.require(access.AddRoles))
	app.POST("/users/:id/roles/add", h.addRoles, h.require(access.AddRoles))
	app.POST("/users/:id/roles/remove", h.removeRoles, h.require(access.RemoveRoles))
	app.GET("/users/:id/custom-attributes", h.openPanel(attributesPanel), h.require(access.SetCustomAttributes))
	app.POST("/users/:id/custom-attributes", h.setCustomAttributes, h.require(access.SetCustomAttributes))
	app.GET("/users/:id/delete", h.openPanel(dangerPanel), h.require(access.DeleteUser))
	app.POST("/users/:id/delete", h.delete, h.require(access.DeleteUser))
	// A person's MFA factors, and verifying who is calling with them.
	app.GET("/users/:id/factors", h.factorsPanel, h.require(access.ViewFactors))
	app.POST("/users/:id/factors/remove", h.removeFactor, h.require(access.RemoveFactor))
	if h.caller.on() {
		app.POST("/users/:id/caller/send", h.callerSend, h.require(access.CallerChallenge))
		app.POST("/users/:id/caller/code", h.callerCode, h.require(access.VerifyCaller))
		app.POST("/users/:id/caller/poll", h.callerPoll, h.require(access.VerifyCaller))
		app.POST("/users/:id/caller/override", h.callerOverride, h.require(access.CallerOverride))
	}

	// The ticket a member of staff is working on, for every action after.
	app.POST("/ticket", h.setTicket, h.require(access.Search))

	// Self-service: the account is always the signed-in person's own, found
	// by their sign-in email; these URLs take no id.
	app.GET("/me", h.me, h.require(access.SelfView))
	app.POST("/me/unlock", h.selfUnlock, h.require(access.SelfUnlock))
	app.POST("/me/logout", h.selfLogout, h.require(access.SelfLogout))

	// Console sessions: everyone sees and ends their own; admins anyone's.
	app.GET("/sessions", h.sessionsList, h.require(access.SelfSessions))
	app.POST("/sessions/others/revoke", h.revokeOthers, h.require(access.SelfSessions))
	app.POST("/sessions/:id/revoke", h.revokeSession, h.require(access.RevokeSession))
	app.POST("/sessions/blocks/lift", h.liftBlock, h.require(access.RevokeSession))
	// People locked right now, a one-click unlock each, and bulk jobs.
	app.GET("/locked", h.lockedList, h.require(access.LockedNow))
	app.POST("/locked/:id/unlock", h.lockedUnlock, h.require(access.Unlock))
	app.POST("/locked/bulk-unlock", h.bulkUnlock, h.require(access.BulkUnlock))
	app.POST("/locked/bulk-logout", h.bulkLogout, h.require(access.BulkLogout))
	app.GET("/jobs/:id", h.jobShow, h.require(access.LockedNow))
	app.POST("/jobs/:id/stop", h.jobStop, h.require(access.StopJob))

	app.GET("/audit", h.auditList, h.require(access.ViewAudit))
	app.GET("/audit.csv", h.auditExport, h.require(access.ViewAudit))
	app.GET("/mail", h.mailList, h.require(access.ViewAudit))
	app.GET("/reports", h.reportsPage, h.requireReports)
	app.GET("/reports.csv", h.reportsCSV, h.requireReports)
	app.GET("/directory", h.directoryStatus, h.require(access.ViewAudit))
}

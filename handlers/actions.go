package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// PLACEHOLDERS: replaced by the real account action handlers.

func (h *Handler) unlock(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) lock(c echo.Context) error   { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) logout(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) resetPassword(c echo.Context) error {
	return echo.NewHTTPError(http.StatusNotImplemented)
}
func (h *Handler) importPasswordHash(c echo.Context) error {
	return echo.NewHTTPError(http.StatusNotImplemented)
}
func (h *Handler) setState(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) mfaToken(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) addRoles(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) removeRoles(c echo.Context) error {
	return echo.NewHTTPError(http.StatusNotImplemented)
}
func (h *Handler) setCustomAttributes(c echo.Context) error {
	return echo.NewHTTPError(http.StatusNotImplemented)
}

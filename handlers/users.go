package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// PLACEHOLDERS: replaced by the real search, user page and profile handlers.

func (h *Handler) list(c echo.Context) error    { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) show(c echo.Context) error    { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) newUser(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) create(c echo.Context) error  { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) edit(c echo.Context) error    { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) update(c echo.Context) error  { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) delete(c echo.Context) error  { return echo.NewHTTPError(http.StatusNotImplemented) }

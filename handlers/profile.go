package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// PLACEHOLDERS: replaced by the real profile handlers (new, create, edit, update, delete).

func (h *Handler) newUser(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) create(c echo.Context) error  { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) edit(c echo.Context) error    { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) update(c echo.Context) error  { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) delete(c echo.Context) error  { return echo.NewHTTPError(http.StatusNotImplemented) }

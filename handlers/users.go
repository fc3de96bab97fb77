package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// PLACEHOLDERS: replaced by the real search and user page handlers.

func (h *Handler) list(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) show(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

package handlers

// After a deletion: the next page says who was deleted, once, and the
// person leaves the deleter's recent people (their page is gone).

import (
	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/views"
)

// deletedCookie carries, once, whom the signed-in person just deleted
// from the delete form to the page it sends them to.
const deletedCookie = "helpdesk_deleted"

type deletedValue struct {
	Name  string `json:"n"`
	Email string `json:"e"`
}

// rememberDeleted notes u for the next page and drops u from recent people.
func (h *Handler) rememberDeleted(c echo.Context, u *client.User) {
	h.writeCookie(c, deletedCookie, deletedValue{Name: u.Name(), Email: u.Email})
	recent := h.recentPeople(c)
	list := make([]recentEntry, 0, len(recent))
	for _, p := range recent {
		if p.ID != u.ID {
			list = append(list, recentEntry{ID: p.ID, Name: p.Name})
		}
	}
	if who, ok := h.identity(c.Request().Context()); ok && len(list) < len(recent) {
		h.writeCookie(c, recentCookie, recentValue{E: who.Email, P: list})
	}
}

// justDeleted is the notice for the page after a deletion (once: the
// cookie goes with it), or nil.
func (h *Handler) justDeleted(c echo.Context) *views.Notice {
	var v deletedValue
	if !h.readCookie(c, deletedCookie, &v) || !plain(v.Name) || !plain(v.Email) {
		return nil
	}
	h.writeCookie(c, deletedCookie, nil)
	who := v.Name
	if v.Email != "" {
		who += " (" + v.Email + ")"
	}
	return &views.Notice{Kind: "success", Message: "Deleted " + who + " from OneLogin."}
}

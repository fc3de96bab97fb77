package handlers

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/jobs/bulk"
	"onelogin-helpdesk/views"
)

// A bulk job's page: its progress, its stop button, and whether its
// starter may still run it.

// jobParam reads a job id from the URL; anything else is not found.
func (h *Handler) jobParam(c echo.Context) (string, error) {
	id := c.Param("id")
	if h.jobs == nil || !jobs.ValidID(id) {
		return "", notFound("There is no bulk job at this address.")
	}
	return id, nil
}

// jobShow is a job's progress: a page, or the fragment it polls for.
func (h *Handler) jobShow(c echo.Context) error {
	id, err := h.jobParam(c)
	if err != nil {
		return err
	}
	return h.jobAnswer(c, id, http.StatusOK, nil)
}

func (h *Handler) jobAnswer(c echo.Context, id string, status int, n *views.Notice) error {
	ctx := c.Request().Context()
	j, err := h.jobs.Job(ctx, id)
	if errors.Is(err, jobs.ErrNotFound) {
		return notFound("There is no bulk job at this address.")
	}
	if err != nil {
		return err
	}
	items, err := h.jobs.Items(ctx, id)
	if err != nil {
		return err
	}
	who, _ := h.identity(ctx)
	v := views.JobView{Page: h.page(c, "", "locked"), Now: h.now(), Loc: h.loc, Job: j, Items: items,
		CanStop:        access.Check(who, access.StopJob, access.Subject{JobStarter: j.Actor.Email}) == nil,
		ReservePercent: h.jobs.ReservePercent(), Notice: n}
	v.Page.Title = v.Title()
	if wantsFragment(c) {
		return h.fragment(c, status, views.JobProgress(v))
	}
	return h.render(c, status, v.Page, views.JobPage(v))
}

// jobStop asks a job to stop after the person in hand.
func (h *Handler) jobStop(c echo.Context) error {
	id, err := h.jobParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	who, _ := h.identity(ctx)
	j, err := h.jobs.Job(ctx, id)
	if errors.Is(err, jobs.ErrNotFound) {
		return notFound("There is no bulk job at this address.")
	} else if err != nil {
		return err
	}
	if r := access.Check(who, access.StopJob, access.Subject{JobStarter: j.Actor.Email}); r != nil {
		rec := h.record(c, access.StopJob, Target{})
		rec.Params = map[string]string{"job": id}
		return h.refuse(ctx, rec, r)
	}
	err = h.act(c, Attempt{Action: access.StopJob, Params: map[string]string{"job": id}}, func(ctx context.Context) error {
		return h.jobs.Stop(ctx, id, who.Email)
	})
	switch {
	case errors.Is(err, jobs.ErrNotFound):
		return notFound("There is no bulk job at this address.")
	case errors.Is(err, jobs.ErrFinished):
		return h.jobAnswer(c, id, http.StatusConflict, &views.Notice{Kind: "warning", Message: "The job had already finished; nothing was stopped."})
	case err != nil:
		return err
	}
	if !wantsFragment(c) {
		return h.seeOther(c, views.JobPath(id))
	}
	return h.jobAnswer(c, id, http.StatusOK, &views.Notice{Kind: "success",
		Message: "Stopping: the person in hand is finished, and the rest are marked not done."})
}

// jobStillAllowed is whether j's starter may still run it, with the role
// OneLogin gives them now: the staff groups are OneLogin role names (the
// console checks at start that the tenant has them). "" means yes; a
// starter OneLogin no longer has, or has twice, may not.
func (h *Handler) jobStillAllowed(ctx context.Context, j jobs.Job) (string, error) {
	users, _, err := h.ol.ListUsers(ctx, client.ListUsersQuery{Email: j.Actor.Email, Limit: 2})
	if err != nil {
		return "", err
	}
	var mine []client.User
	for _, u := range users {
		if sameEmail(u.Email, j.Actor.Email) {
			mine = append(mine, u)
		}
	}
	if len(mine) != 1 {
		return j.Actor.Email + " no longer has exactly one OneLogin account", nil
	}
	roles, err := h.dir.Roles(ctx)
	if err != nil {
		return "", err
	}
	var names []string
	for _, r := range roles {
		if slices.Contains(mine[0].RoleIDs, r.ID) {
			names = append(names, r.Name)
		}
	}
	who := access.Identity{Email: j.Actor.Email, Role: h.staff.RoleFor(names)}
	start, _ := bulk.Actions(j.Kind)
	if r := access.Check(who, start, access.Subject{People: j.Counts.Total, BulkMax: h.bulk.MaxFor(who.Role)}); r != nil {
		return j.Actor.Email + "'s role is now " + who.Role.String() + ": " + r.Reason, nil
	}
	return "", nil
}
